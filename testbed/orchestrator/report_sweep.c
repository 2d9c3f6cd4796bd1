/* report_sweep: see report_sweep.h. */
#include "report_sweep.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "exit_codes.h"
#include "report_json.h"
#include "report_paper.h"
#include "report_sweep_plot.h"
#include "sweep_index.h"

gboolean dmx_report_is_sweep_dir(const char *dir) {
  g_autofree char *index = g_build_filename(dir, DMX_SWEEP_INDEX_JSON, NULL);
  return g_file_test(index, G_FILE_TEST_IS_REGULAR);
}

/* ---- reading the index ---- */

static void row_free(gpointer p) {
  DmxSweepReportRow *row = p;
  g_free(row->name);
  g_free(row->policy);
  g_strfreev(row->labels);
  g_free(row->state);
  dmx_sweep_outcome_clear(&row->outcome);
  g_free(row);
}

void dmx_sweep_report_free(DmxSweepReport *r) {
  if (!r)
    return;
  g_free(r->dir);
  g_free(r->name);
  g_free(r->scenario_name);
  g_free(r->metric);
  g_ptr_array_unref(r->axis_names);
  g_ptr_array_unref(r->axis_keys);
  g_ptr_array_unref(r->rows);
  g_free(r);
}

static char **string_array(const DmxJson *a) {
  GPtrArray *out = g_ptr_array_new();
  for (guint i = 0; a && a->type == DMX_JSON_ARRAY && i < a->items->len; i++) {
    const DmxJson *item = a->items->pdata[i];
    g_ptr_array_add(out, g_strdup(item->type == DMX_JSON_STRING ? item->str : "?"));
  }
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(out, FALSE);
}

static void read_axes(DmxSweepReport *r, const DmxJson *axes) {
  for (guint i = 0; axes && axes->type == DMX_JSON_ARRAY && i < axes->items->len; i++) {
    const DmxJson *axis = axes->items->pdata[i];
    g_ptr_array_add(r->axis_names, g_strdup(dmx_json_string(axis, "name", "?")));
    g_ptr_array_add(r->axis_keys, string_array(dmx_json_get(axis, "keys")));
  }
}

static DmxSweepReportRow *read_row(const DmxSweepReport *r, const DmxJson *point) {
  DmxSweepReportRow *row = g_new0(DmxSweepReportRow, 1);
  row->name = g_strdup(dmx_json_string(point, "name", "?"));
  row->policy = g_strdup(dmx_json_string(point, "policy", "?"));
  row->state = g_strdup(dmx_json_string(point, "state", "?"));
  row->labels = g_new0(char *, r->axis_names->len + 1);
  const DmxJson *labels = dmx_json_get(point, "axes");
  for (guint a = 0; a < r->axis_names->len; a++) {
    const DmxJson *l = dmx_json_get(labels, r->axis_names->pdata[a]);
    row->labels[a] = g_strdup(l && l->type == DMX_JSON_STRING ? l->str : "?");
  }
  double exit_status = -1;
  row->exit_status = dmx_json_number(point, "exit_status", &exit_status) ? (int)exit_status : -1;
  /* "dir" is relative to the sweep; a hand-edited index must not send us elsewhere. */
  g_autofree char *leaf = g_path_get_basename(dmx_json_string(point, "dir", row->name));
  g_autofree char *dir = g_build_filename(r->dir, leaf, NULL);
  dmx_sweep_outcome_read(dir, r->metric, &row->outcome);
  return row;
}

DmxSweepReport *dmx_sweep_report_load(const char *dir, GError **error) {
  g_autofree char *path = g_build_filename(dir, DMX_SWEEP_INDEX_JSON, NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, error))
    return NULL;
  g_autoptr(DmxJson) index = dmx_json_parse(text, error);
  const DmxJson *points = index ? dmx_json_get(index, "points") : NULL;
  if (!points || points->type != DMX_JSON_ARRAY) {
    if (index)
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: no points array", path);
    else
      g_prefix_error(error, "%s: ", path);
    return NULL;
  }
  DmxSweepReport *r = g_new0(DmxSweepReport, 1);
  r->dir = g_strdup(dir);
  r->name = g_strdup(dmx_json_string(index, "sweep", "?"));
  r->scenario_name = g_strdup(dmx_json_string(index, "scenario_name", "?"));
  r->metric = g_strdup(dmx_json_string(index, "metric", "fps.mean"));
  r->axis_names = g_ptr_array_new_with_free_func(g_free);
  r->axis_keys = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  r->rows = g_ptr_array_new_with_free_func(row_free);
  read_axes(r, dmx_json_get(index, "axes"));
  for (guint i = 0; i < points->items->len; i++)
    g_ptr_array_add(r->rows, read_row(r, points->items->pdata[i]));
  return r;
}

/* ---- the table ---- */

typedef struct {
  GPtrArray *header;   /* char* */
  GPtrArray *cells;    /* GPtrArray* of char* per row */
  GArray *numeric;     /* gboolean per column: right-aligned */
} Table;

static void table_column(Table *t, const char *title, gboolean numeric) {
  g_ptr_array_add(t->header, g_strdup(title));
  g_array_append_val(t->numeric, numeric);
}

static void table_print(const Table *t) {
  guint ncol = t->header->len;
  g_autofree int *width = g_new0(int, ncol);
  for (guint c = 0; c < ncol; c++)
    width[c] = (int)strlen(t->header->pdata[c]);
  for (guint r = 0; r < t->cells->len; r++)
    for (guint c = 0; c < ncol; c++)
      width[c] = MAX(width[c], (int)strlen(((GPtrArray *)t->cells->pdata[r])->pdata[c]));
  for (guint r = 0; r <= t->cells->len; r++) {
    GPtrArray *row = r == 0 ? t->header : t->cells->pdata[r - 1];
    GString *line = g_string_new("  ");
    for (guint c = 0; c < ncol; c++) {
      gboolean right = g_array_index(t->numeric, gboolean, c);
      g_string_append_printf(line, right ? "%*s  " : "%-*s  ", width[c], (char *)row->pdata[c]);
    }
    while (line->len && line->str[line->len - 1] == ' ')
      g_string_truncate(line, line->len - 1);
    printf("%s\n", line->str);
    g_string_free(line, TRUE);
  }
}

static char *number_cell(double v, const char *fmt) {
  return isnan(v) ? g_strdup("-") : g_strdup_printf(fmt, v);
}

static char *ended_cell(const DmxSweepReportRow *row) {
  if (strcmp(row->state, "done") != 0)
    return g_strdup(row->state);
  return row->exit_status == 0 ? g_strdup("ok") : g_strdup_printf("exit %d", row->exit_status);
}

static gboolean metric_is_fps(const DmxSweepReport *r) { return strcmp(r->metric, "fps.mean") == 0; }

gboolean dmx_sweep_report_has_stall(const DmxSweepReport *r) {
  for (guint i = 0; i < r->rows->len; i++)
    if (!isnan(((DmxSweepReportRow *)r->rows->pdata[i])->outcome.stall_ms))
      return TRUE;
  return FALSE;
}

static gboolean row_has_paper(const DmxSweepReport *r, const DmxSweepReportRow *row) {
  DmxPaperFps paper;
  return dmx_paper_fps_at_rate(r->scenario_name, row->policy, row->outcome.rate_mbit, &paper);
}

static gboolean any_paper(const DmxSweepReport *r) {
  for (guint i = 0; i < r->rows->len; i++)
    if (row_has_paper(r, r->rows->pdata[i]))
      return TRUE;
  return FALSE;
}

/* The paper's value for ROW and whether ROW agrees with it; "" when the paper has none. */
static void paper_cells(const DmxSweepReport *r, const DmxSweepReportRow *row, GPtrArray *cells) {
  DmxPaperFps paper;
  const DmxSweepOutcome *o = &row->outcome;
  if (!dmx_paper_fps_at_rate(r->scenario_name, row->policy, o->rate_mbit, &paper)) {
    g_ptr_array_add(cells, g_strdup(""));
    g_ptr_array_add(cells, g_strdup(""));
    return;
  }
  g_autofree char *text = dmx_paper_fps_text(&paper);
  g_ptr_array_add(cells, g_strdup_printf("%s (%s)", text, paper.source));
  if (isnan(o->fps_mean))
    g_ptr_array_add(cells, g_strdup(""));
  else if (!o->valid)
    g_ptr_array_add(cells, g_strdup("(invalid run)"));
  else
    g_ptr_array_add(cells, g_strdup(dmx_paper_fps_agrees(&paper, o->fps_mean) ? "agrees" : "DIFFERS"));
}

static GPtrArray *row_cells(const DmxSweepReport *r, const DmxSweepReportRow *row, gboolean with_paper,
                            gboolean with_stall) {
  GPtrArray *cells = g_ptr_array_new_with_free_func(g_free);
  const DmxSweepOutcome *o = &row->outcome;
  for (guint a = 0; row->labels[a]; a++)
    g_ptr_array_add(cells, g_strdup(row->labels[a]));
  g_ptr_array_add(cells, g_strdup(row->policy));
  g_ptr_array_add(cells, ended_cell(row));
  g_ptr_array_add(cells, g_strdup(!o->have_summary ? "-" : o->valid ? "yes" : "NO"));
  if (!metric_is_fps(r))
    g_ptr_array_add(cells, number_cell(o->metric, "%.4g"));
  g_ptr_array_add(cells, number_cell(o->fps_mean, "%.2f"));
  g_ptr_array_add(cells, number_cell(o->fps_p5, "%.2f"));
  if (with_stall)
    g_ptr_array_add(cells, number_cell(o->stall_ms, "%.1f"));
  if (with_paper)
    paper_cells(r, row, cells);
  return cells;
}

static void print_table(const DmxSweepReport *r) {
  Table t = {.header = g_ptr_array_new_with_free_func(g_free),
             .cells = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref),
             .numeric = g_array_new(FALSE, FALSE, sizeof(gboolean))};
  for (guint a = 0; a < r->axis_names->len; a++)
    table_column(&t, r->axis_names->pdata[a], FALSE);
  table_column(&t, "policy", FALSE);
  table_column(&t, "ended", FALSE);
  table_column(&t, "valid", FALSE);
  if (!metric_is_fps(r))
    table_column(&t, r->metric, TRUE);
  table_column(&t, "FPS mean", TRUE);
  table_column(&t, "FPS p5", TRUE);
  gboolean with_stall = dmx_sweep_report_has_stall(r);
  if (with_stall)
    table_column(&t, "stall ms/frame", TRUE);
  gboolean with_paper = any_paper(r);
  if (with_paper) {
    table_column(&t, "paper", FALSE);
    table_column(&t, "", FALSE);
  }
  for (guint i = 0; i < r->rows->len; i++)
    g_ptr_array_add(t.cells, row_cells(r, r->rows->pdata[i], with_paper, with_stall));
  table_print(&t);
  g_ptr_array_unref(t.header);
  g_ptr_array_unref(t.cells);
  g_array_unref(t.numeric);
}

/* Why each invalid point is invalid, under the table (too long for a column). */
static void print_invalid_reasons(const DmxSweepReport *r) {
  for (guint i = 0; i < r->rows->len; i++) {
    const DmxSweepReportRow *row = r->rows->pdata[i];
    if (row->outcome.have_summary && !row->outcome.valid)
      printf("  invalid   %s: %s\n", row->name, row->outcome.why_invalid);
  }
}

static void print_heading(const DmxSweepReport *r) {
  guint done = 0, failed = 0;
  for (guint i = 0; i < r->rows->len; i++) {
    const DmxSweepReportRow *row = r->rows->pdata[i];
    done += strcmp(row->state, "done") == 0;
    failed += strcmp(row->state, "done") == 0 && row->exit_status != 0;
  }
  printf("== %s\n  sweep     %s of scenario %s: %u points, %u done", r->dir, r->name, r->scenario_name,
         r->rows->len, done);
  if (failed)
    printf(" (%u did not exit 0)", failed);
  printf("\n");
  if (!metric_is_fps(r))
    printf("  metric    %s (from each point's summary.json)\n", r->metric);
  if (strcmp(r->scenario_name, "home-theater") == 0)
    printf("  paper     DynaMix (ATC'18) at 720p: Fig. 7 (rf at 100 Mbit/s) and Fig. 10 (FPS by bandwidth); "
           "\"holds\" means >= 95%% of it\n");
}

/* ---- entry points ---- */

static int draw_figure(const DmxSweepReport *r) {
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) err = NULL;
  gboolean ok = dmx_sweep_plot(r, files, &err);
  printf("  figure   ");
  for (guint i = 0; i < files->len; i++)
    printf(" %s", (char *)files->pdata[i]);
  if (!files->len)
    printf(" none%s", !ok ? "" : r->axis_names->len ? ": no point has the metric yet" : ": the sweep has no axis");
  printf("\n");
  if (!ok) {
    g_printerr("dmx report: %s: figure: %s\n", r->dir, err->message);
    return DMX_EXIT_HOST;
  }
  return DMX_EXIT_OK;
}

int dmx_report_sweep(const char *dir, const DmxReportOptions *opt) {
  g_autoptr(GError) err = NULL;
  g_autoptr(DmxSweepReport) r = dmx_sweep_report_load(dir, &err);
  if (!r) {
    g_printerr("dmx report: %s: not a complete sweep directory: %s\n", dir, err->message);
    return DMX_REPORT_EXIT_NOINPUT;
  }
  print_heading(r);
  print_table(r);
  print_invalid_reasons(r);
  int code = opt->no_figures ? DMX_EXIT_OK : draw_figure(r);
  fflush(stdout);
  return code;
}

int dmx_report_dirs(char **dirs, int n, const DmxReportOptions *opt) {
  int code = DMX_EXIT_OK;
  for (int i = 0; i < n; i++) {
    if (i)
      printf("\n");
    int c = dmx_report_is_sweep_dir(dirs[i]) ? dmx_report_sweep(dirs[i], opt) : dmx_report(&dirs[i], 1, opt);
    if (c && (!code || c == DMX_REPORT_EXIT_NOINPUT))
      code = c;
  }
  return code;
}
