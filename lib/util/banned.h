/* Functions that are easy to misuse on untrusted input are banned from
 * coroner's own code; use snprintf, cr_buf and the bounded parsers. */
#ifndef CORONER_BANNED_H
#define CORONER_BANNED_H
/* included first (-include): pull in the declarations, then ban the names */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* memmem, strndup...: this header is included first everywhere */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define BANNED(func) sorry_##func##_is_banned_in_coroner
#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef gets
#define gets(x) BANNED(gets)
#endif
