/* device_model: the device models of scenarios/devices.ini (CPU speed, cores, memory, power coefficients). */
#pragma once
#include <glib.h>

typedef struct {
  char *name;         /* "nexus5" */
  char *device_class; /* phone, tablet, tv, speaker */
  int cores;
  double ips;         /* guest instructions per emulated second, per core */
  int memory_mb;
  GHashTable *power;  /* coefficient name ("cpu_active_mw", ...) -> double*; for the power model */
  char *source;       /* where the numbers come from */
} DmxDeviceModel;

typedef struct {
  char *path;
  GHashTable *models;   /* name -> DmxDeviceModel* */
  char *default_model;  /* [defaults] model */
  char *default_link;   /* [defaults] link, tc-netem syntax */
  char *default_mode;   /* [defaults] mode, wired|wifi */
} DmxModelDb;

DmxModelDb *dmx_model_db_load(const char *path, GError **error);
void dmx_model_db_free(DmxModelDb *db);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmxModelDb, dmx_model_db_free)

const DmxDeviceModel *dmx_model_db_find(const DmxModelDb *db, const char *name);
/* "nexus5, nexus7, ..." sorted, for error messages. */
char *dmx_model_db_names(const DmxModelDb *db);
