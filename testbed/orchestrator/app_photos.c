/* app_photos: see app_photos.h. */
#include "app_photos.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
  const char *label;
  double below;            /* bytes: the bucket holds sizes < below (<= for the paper's last column) */
  gboolean inclusive;
} buckets[DMX_PHOTO_BUCKETS] = {
    {"<10K", 10e3, FALSE}, {"<100K", 100e3, FALSE}, {"<1M", 1e6, FALSE},
    {"<5M", 5e6, FALSE},   {"<=10M", 10e6, TRUE},   {">10M", G_MAXDOUBLE, TRUE},
};

const char *dmx_photo_bucket_label(guint i) {
  return i < DMX_PHOTO_BUCKETS ? buckets[i].label : "?";
}

guint dmx_photo_bucket(guint64 bytes) {
  for (guint i = 0; i < DMX_PHOTO_BUCKETS; i++)
    if ((double)bytes < buckets[i].below || (buckets[i].inclusive && (double)bytes == buckets[i].below))
      return i;
  return DMX_PHOTO_BUCKETS - 1;
}

/* The value of " KEY=" in LINE (up to the next blank) into BUF; FALSE if absent. */
static gboolean field(const char *line, const char *key, char *buf, size_t len) {
  g_autofree char *needle = g_strdup_printf(" %s=", key);
  const char *p = strstr(line, needle);
  if (!p)
    return FALSE;
  p += strlen(needle);
  size_t n = strcspn(p, " \t\r");
  if (n == 0 || n >= len)
    return FALSE;
  memcpy(buf, p, n);
  buf[n] = 0;
  return TRUE;
}

static void photo_line(const char *line, GHashTable *devices, const char *master, DmxAppPhotos *out) {
  char bytes[32], from[128], fwd[32], on[32];
  if (!field(line, "bytes", bytes, sizeof bytes) || !field(line, "from", from, sizeof from) ||
      !field(line, "forwarded", fwd, sizeof fwd) || !field(line, "handled_on", on, sizeof on))
    return; /* not the app's photo line: another program's output */
  out->photos++;
  if (strcmp(from, "-") == 0 || strcmp(from, master) == 0)
    return;
  guint b = dmx_photo_bucket(g_ascii_strtoull(bytes, NULL, 10));
  int owner = GPOINTER_TO_INT(g_hash_table_lookup(devices, from));
  out->remote[b]++;
  if (owner > 0 && atoi(on) == owner)
    out->migrated[b]++;
  else if (g_ascii_strtoull(fwd, NULL, 10) > 0)
    out->forwarded[b]++;
}

void dmx_app_photos_read(const char *stdout_log, GHashTable *devices, const char *master, DmxAppPhotos *out) {
  *out = (DmxAppPhotos){0};
  g_autofree char *text = NULL;
  if (!g_file_get_contents(stdout_log, &text, NULL, NULL))
    return;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    char seconds[32];
    if (g_str_has_prefix(lines[i], "photo "))
      photo_line(lines[i], devices, master, out);
    else if (g_str_has_prefix(lines[i], "photo-classify: photos=") && field(lines[i], "seconds", seconds,
                                                                             sizeof seconds)) {
      out->found = TRUE;
      out->completion_s = g_ascii_strtod(seconds, NULL);
    }
  }
}

static void pct_object(GString *s, const char *name, const guint *part, const guint *whole) {
  g_string_append_printf(s, "  \"%s\": {", name);
  for (guint i = 0; i < DMX_PHOTO_BUCKETS; i++) {
    g_string_append_printf(s, "%s\"%s\": ", i ? ", " : "", buckets[i].label);
    if (whole[i])
      g_string_append_printf(s, "%.1f", 100.0 * part[i] / whole[i]);
    else
      g_string_append(s, "null");
  }
  g_string_append(s, "},\n");
}

char *dmx_app_photos_json(const DmxAppPhotos *p) {
  if (!p->found && !p->photos)
    return g_strdup("");
  GString *s = g_string_new(NULL);
  if (p->found)
    g_string_append_printf(s, "  \"completion_s\": %.3f,\n", p->completion_s);
  else
    g_string_append(s, "  \"completion_s\": null,\n");
  guint remote = 0;
  for (guint i = 0; i < DMX_PHOTO_BUCKETS; i++)
    remote += p->remote[i];
  g_string_append_printf(s, "  \"photos\": {\"classified\": %u, \"remote\": %u, \"remote_by_size\": {", p->photos,
                         remote);
  for (guint i = 0; i < DMX_PHOTO_BUCKETS; i++)
    g_string_append_printf(s, "%s\"%s\": %u", i ? ", " : "", buckets[i].label, p->remote[i]);
  g_string_append(s, "}},\n");
  pct_object(s, "forwarded_pct", p->forwarded, p->remote);
  pct_object(s, "migrated_pct", p->migrated, p->remote);
  return g_string_free(s, FALSE);
}
