/* Renderers of `coroner report` shared by cmd-report.c (text, JSON) and
 * report-html.c (HTML, which embeds the JSON). */
#ifndef CORONER_CMD_REPORT_RENDER_H
#define CORONER_CMD_REPORT_RENDER_H

#include <stdio.h>
#include "coroner/report.h"

/* The JSON report ({"captures": [...], "findings": [...]}) to out. */
void report_print_json(const struct cr_report *r, FILE *out);
/* A fact's value as text: "1.5 MiB (1572864 B)", "38.5%", ... (unescaped). */
void report_fact_value(const struct cr_fact *f, char *b, size_t n);
/* "2026-01-02 15:04:05 UTC", or "time unknown". */
void report_when(int64_t nanos, char *b, size_t n);
/* The self-contained HTML page (report-html.c). CR_NOMEM/CR_LIMIT only. */
enum cr_err report_print_html(const struct cr_report *r, FILE *out, struct cr_error *e);

#endif
