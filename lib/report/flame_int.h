/* Shared between flame.c and flame_add.c; not public API. */
#ifndef CORONER_REPORT_FLAME_INT_H
#define CORONER_REPORT_FLAME_INT_H

#include "coroner/flame.h"

/* Child of parent named name (an id in f->names), created if absent;
 * CR_FLAME_NONE on NOMEM or past INT32_MAX nodes. */
uint32_t cr_flame_child(struct cr_flame *f, uint32_t parent, uint32_t name);

#endif
