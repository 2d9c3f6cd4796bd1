/* screen_stats: see screen_stats.h. */
#include "screen_stats.h"

#include <stdio.h>
#include <string.h>

gboolean dmx_screen_stats_read(const char *csv_path, gint64 epoch_ns, DmxScreenStats *out, GError **error) {
  g_autofree char *text = NULL;
  *out = (DmxScreenStats){0};
  if (!g_file_get_contents(csv_path, &text, NULL, error))
    return FALSE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint i = 1; lines[0] && lines[i]; i++) { /* line 0 is the header */
    if (!*lines[i])
      continue;
    unsigned long long seq, present_ns;
    if (sscanf(lines[i], "%llu,%llu,", &seq, &present_ns) != 2) {
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%u: not seq,present_ns,...", csv_path, i + 1);
      return FALSE;
    }
    double t = ((double)present_ns - (double)epoch_ns) / 1e9;
    if (out->frames++ == 0)
      out->first_s = t;
    out->last_s = t;
  }
  if (out->frames >= 2 && out->last_s > out->first_s)
    out->fps = (out->frames - 1) / (out->last_s - out->first_s);
  return out->frames > 0;
}
