/* app_photos: photo-classify's own report turned into the run's results (DESIGN.md §8; the paper's Fig. 9 and
 * Table 1).
 *
 * Input: the master's stdout.log, where photo-classify (testbed/apps/photo-classify.c) writes one line per photo
 *   photo NAME bytes=B ... from=DEVICE forwarded=F handled_on=D
 * and a last line  photo-classify: photos=N ... seconds=S ...
 * All MEASURED by the app and libdmx: S is the emulated time the app took from its start to its last label
 * (completion_s); F the I/O requests that photo's read sent to another device (libdmx's per-thread counters);
 * D the index of the device the classifier thread ran on when it read the photo.
 *
 * A photo is remote when DEVICE is not the master. A remote photo was migrated when its thread ran on its owner
 * (D = the owner's index: the thread went to the data), forwarded when it was read from elsewhere with F > 0
 * (the data came to the thread). Percentages are over the remote photos of each file-size bucket, the paper's
 * Table 1 columns: < 10 kB, < 100 kB, < 1 MB, < 5 MB, <= 10 MB (decimal units), and > 10 MB. */
#pragma once
#include <glib.h>

#define DMX_PHOTO_BUCKETS 6

typedef struct {
  gboolean found;          /* the app's last line was there */
  double completion_s;
  guint photos;            /* photo lines */
  guint remote[DMX_PHOTO_BUCKETS], forwarded[DMX_PHOTO_BUCKETS], migrated[DMX_PHOTO_BUCKETS];
} DmxAppPhotos;

/* The bucket label of index I ("<10K", ...). */
const char *dmx_photo_bucket_label(guint i);
/* The bucket of a file of BYTES bytes. */
guint dmx_photo_bucket(guint64 bytes);
/* Reads STDOUT_LOG. DEVICES maps each device name to its index (GINT_TO_POINTER); MASTER is the master's name.
 * A missing file or one without photo lines leaves out->found FALSE and the counts 0 (not an error). */
void dmx_app_photos_read(const char *stdout_log, GHashTable *devices, const char *master, DmxAppPhotos *out);
/* summary.json's members (completion_s, photos, forwarded_pct, migrated_pct), each line ending in ",\n";
 * "" when the run was not photo-classify's. */
char *dmx_app_photos_json(const DmxAppPhotos *p);
