/* run_dsm: the DSM counters of each device in summary.json, so that a run's memory traffic, its stalls and what
 * its checkpoints cost sit beside its FPS and power. The per-thread rows stay in devices/NAME/dsm.json. */
#include "run_dsm.h"

#include "report_json.h"

/* summary.json's name, then dsm.json's (runtime/dsm_runtime.c) */
static const char *const dsm_fields[][2] = {
    {"faults", NULL}, /* read_faults + write_faults */
    {"pages_received", "pages_received"},
    {"page_bytes_received", "page_bytes_received"},
    {"diffs_pushed", "diffs_pushed"},
    {"diff_bytes_pushed", "diff_bytes_pushed"},
    {"link_bytes_sent", "link_bytes_sent"},
    {"fetch_stall_ms", "fetch_stall_ns"},
    {"lock_acquires", "lock_acquires"},
    {"remote_acquires", "remote_acquires"},
    {"lock_stall_ms", "lock_stall_ns"},
    {"checkpoints", "checkpoints"},
    {"checkpoint_stragglers", "checkpoint_stragglers"},
    {"freed_pages_skipped", "freed_pages_skipped"},
};

char *dmx_run_dsm_json(const char *run_dir, const char *device) {
  g_autofree char *path = g_build_filename(run_dir, "devices", device, "dsm.json", NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return g_strdup("");
  g_autoptr(GError) err = NULL;
  g_autoptr(DmxJson) dsm = dmx_json_parse(text, &err);
  if (!dsm || dsm->type != DMX_JSON_OBJECT) {
    g_printerr("dmx: warning: %s: %s\n", path, err ? err->message : "not a JSON object");
    return g_strdup("");
  }
  GString *s = g_string_new(", \"dsm\": {");
  for (guint i = 0; i < G_N_ELEMENTS(dsm_fields); i++) {
    const char *from = dsm_fields[i][1];
    double v = from ? dmx_json_number_or(dsm, from, 0)
                    : dmx_json_number_or(dsm, "read_faults", 0) + dmx_json_number_or(dsm, "write_faults", 0);
    if (from && g_str_has_suffix(from, "_ns"))
      v /= 1e6;
    g_string_append_printf(s, "%s\"%s\": ", i ? ", " : "", dsm_fields[i][0]);
    g_string_append_printf(s, g_str_has_suffix(dsm_fields[i][0], "_ms") ? "%.3f" : "%.0f", v);
  }
  g_string_append_c(s, '}');
  return g_string_free(s, FALSE);
}
