/* sweep_index: see sweep_index.h. Both files are replaced atomically (g_file_set_contents), so a reader (dmx
 * report during a sweep) never sees half of one. */
#include "sweep_index.h"

#include <math.h>
#include <string.h>

#include "sweep_grid.h"

const char *dmx_sweep_state_name(DmxPointState state) {
  switch (state) {
    case DMX_POINT_PENDING: return "pending";
    case DMX_POINT_RUNNING: return "running";
    case DMX_POINT_DONE: return "done";
    case DMX_POINT_NOT_RUN: return "not-run";
  }
  return "?";
}

/* ---- JSON ---- */

static void json_string(GString *s, const char *v) {
  if (!v) {
    g_string_append(s, "null");
    return;
  }
  g_string_append_c(s, '"');
  for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_printf(s, "\\%c", *p);
    else if (*p == '\n')
      g_string_append(s, "\\n");
    else if (*p < 0x20)
      g_string_append_printf(s, "\\u%04x", *p);
    else
      g_string_append_c(s, (char)*p);
  }
  g_string_append_c(s, '"');
}

static void json_number(GString *s, double v) {
  if (isnan(v))
    g_string_append(s, "null");
  else
    g_string_append_printf(s, "%.6g", v);
}

static void json_strv(GString *s, char **v) {
  g_string_append_c(s, '[');
  for (guint i = 0; v && v[i]; i++) {
    g_string_append(s, i ? ", " : "");
    json_string(s, v[i]);
  }
  g_string_append_c(s, ']');
}

static void json_axes(GString *j, const DmxSweep *sw) {
  g_string_append(j, "  \"axes\": [");
  for (guint a = 0; a < sw->axes->len; a++) {
    const DmxSweepAxis *axis = sw->axes->pdata[a];
    g_string_append(j, a ? ",\n    {\"name\": " : "\n    {\"name\": ");
    json_string(j, axis->name);
    g_string_append(j, ", \"keys\": [");
    for (guint k = 0; k < axis->params->len; k++) {
      g_string_append(j, k ? ", " : "");
      json_string(j, ((DmxSweepParam *)axis->params->pdata[k])->key);
    }
    g_string_append(j, "], \"labels\": ");
    json_strv(j, axis->labels);
    g_string_append(j, "}");
  }
  g_string_append(j, sw->axes->len ? "\n  ],\n" : "],\n");
}

static void json_point(GString *j, const DmxSweepSession *s, guint i) {
  const DmxSweepPoint *p = s->points->pdata[i];
  const DmxPointRun *run = &s->runs[i];
  const DmxSweepOutcome *o = &s->outcomes[i];
  g_string_append(j, "    {\"name\": ");
  json_string(j, p->name);
  g_string_append(j, ", \"dir\": ");
  json_string(j, p->name);
  g_string_append(j, ", \"policy\": ");
  json_string(j, p->policy);
  g_string_append(j, ", \"axes\": {");
  for (guint a = 0; a < s->sweep->axes->len; a++) {
    g_string_append(j, a ? ", " : "");
    json_string(j, ((DmxSweepAxis *)s->sweep->axes->pdata[a])->name);
    g_string_append(j, ": ");
    json_string(j, p->labels[a]);
  }
  g_string_append(j, "},\n     \"sets\": ");
  json_strv(j, p->sets);
  g_string_append(j, ",\n     \"state\": ");
  json_string(j, dmx_sweep_state_name(run->state));
  g_string_append(j, ", \"exit_status\": ");
  json_number(j, run->state == DMX_POINT_DONE ? run->exit_status : NAN);
  g_string_append(j, ", \"seconds\": ");
  json_number(j, run->seconds);
  g_string_append(j, ", \"valid\": ");
  g_string_append(j, !o->have_summary ? "null" : o->valid ? "true" : "false");
  g_string_append(j, ", \"why_invalid\": ");
  json_string(j, o->why_invalid);
  g_string_append(j, ",\n     \"fps\": {\"screen\": ");
  json_string(j, o->fps_screen);
  g_string_append(j, ", \"mean\": ");
  json_number(j, o->fps_mean);
  g_string_append(j, ", \"p5\": ");
  json_number(j, o->fps_p5);
  g_string_append(j, ", \"target\": ");
  json_number(j, o->fps_target);
  g_string_append(j, "}, \"metric\": ");
  json_number(j, o->metric);
  g_string_append(j, ", \"link_rate_mbit\": ");
  json_number(j, o->rate_mbit);
  g_string_append(j, ", \"duration_s\": ");
  json_number(j, o->duration_s);
  g_string_append(j, ", \"power_total_mw\": ");
  json_number(j, o->power_total_mw);
  g_string_append(j, ", \"traffic_bytes_total\": ");
  json_number(j, o->traffic_bytes);
  g_string_append(j, "}");
}

static char *index_json(const DmxSweepSession *s) {
  const DmxSweep *sw = s->sweep;
  GString *j = g_string_new("{\n  \"sweep\": ");
  json_string(j, sw->name);
  g_string_append(j, ",\n  \"definition\": ");
  json_string(j, sw->path);
  g_string_append(j, ",\n  \"scenario\": ");
  json_string(j, s->scenario);
  g_string_append(j, ",\n  \"scenario_name\": ");
  json_string(j, sw->scenario_name);
  g_string_append(j, ",\n  \"metric\": ");
  json_string(j, sw->metric);
  g_string_append(j, ",\n  \"runner\": ");
  json_string(j, dmx_sweep_runner_name(s->runner));
  g_string_append_printf(j, ",\n  \"jobs\": %d,\n  \"started\": ", s->jobs);
  json_string(j, s->started);
  g_string_append(j, ",\n  \"policies\": ");
  json_strv(j, sw->policies);
  g_string_append(j, ",\n");
  json_axes(j, sw);
  g_string_append(j, "  \"points\": [\n");
  for (guint i = 0; i < s->points->len; i++) {
    json_point(j, s, i);
    g_string_append(j, i + 1 < s->points->len ? ",\n" : "\n");
  }
  g_string_append(j, "  ]\n}\n");
  return g_string_free(j, FALSE);
}

/* ---- CSV ---- */

static void csv_field(GString *s, const char *v, gboolean last) {
  v = v ? v : "";
  if (strpbrk(v, ",\"\n")) {
    g_string_append_c(s, '"');
    for (const char *p = v; *p; p++) {
      if (*p == '"')
        g_string_append_c(s, '"');
      g_string_append_c(s, *p);
    }
    g_string_append_c(s, '"');
  } else {
    g_string_append(s, v);
  }
  g_string_append_c(s, last ? '\n' : ',');
}

static void csv_number(GString *s, double v) {
  g_autofree char *text = isnan(v) ? g_strdup("") : g_strdup_printf("%.6g", v);
  csv_field(s, text, FALSE);
}

/* The metric gets a column of its own unless one of the fixed columns is it already. */
static gboolean metric_needs_column(const DmxSweep *sw) {
  const char *fixed[] = {"fps.mean", "fps.p5", "fps.target", "link.rate_mbit", "duration_s", "power_total_mw"};
  for (guint i = 0; i < G_N_ELEMENTS(fixed); i++)
    if (strcmp(sw->metric, fixed[i]) == 0)
      return FALSE;
  return TRUE;
}

static void csv_header(GString *c, const DmxSweep *sw) {
  csv_field(c, "point", FALSE);
  csv_field(c, "policy", FALSE);
  for (guint a = 0; a < sw->axes->len; a++)
    csv_field(c, ((DmxSweepAxis *)sw->axes->pdata[a])->name, FALSE);
  g_string_append(c, "state,exit_status,valid,fps_mean,fps_p5,fps_target,");
  if (metric_needs_column(sw))
    csv_field(c, sw->metric, FALSE);
  g_string_append(c, "link_rate_mbit,duration_s,power_total_mw,seconds,why_invalid,dir\n");
}

static void csv_row(GString *c, const DmxSweepSession *s, guint i) {
  const DmxSweepPoint *p = s->points->pdata[i];
  const DmxPointRun *run = &s->runs[i];
  const DmxSweepOutcome *o = &s->outcomes[i];
  csv_field(c, p->name, FALSE);
  csv_field(c, p->policy, FALSE);
  for (guint a = 0; p->labels[a]; a++)
    csv_field(c, p->labels[a], FALSE);
  csv_field(c, dmx_sweep_state_name(run->state), FALSE);
  csv_number(c, run->state == DMX_POINT_DONE ? run->exit_status : NAN);
  csv_field(c, !o->have_summary ? "" : o->valid ? "true" : "false", FALSE);
  csv_number(c, o->fps_mean);
  csv_number(c, o->fps_p5);
  csv_number(c, o->fps_target);
  if (metric_needs_column(s->sweep))
    csv_number(c, o->metric);
  csv_number(c, o->rate_mbit);
  csv_number(c, o->duration_s);
  csv_number(c, o->power_total_mw);
  csv_number(c, run->seconds);
  csv_field(c, o->why_invalid, FALSE);
  csv_field(c, p->name, TRUE);
}

static char *index_csv(const DmxSweepSession *s) {
  GString *c = g_string_new(NULL);
  csv_header(c, s->sweep);
  for (guint i = 0; i < s->points->len; i++)
    csv_row(c, s, i);
  return g_string_free(c, FALSE);
}

gboolean dmx_sweep_index_write(const DmxSweepSession *s, GError **error) {
  g_autofree char *json = index_json(s);
  g_autofree char *csv = index_csv(s);
  g_autofree char *json_path = g_build_filename(s->dir, DMX_SWEEP_INDEX_JSON, NULL);
  g_autofree char *csv_path = g_build_filename(s->dir, DMX_SWEEP_INDEX_CSV, NULL);
  return g_file_set_contents(json_path, json, -1, error) && g_file_set_contents(csv_path, csv, -1, error);
}
