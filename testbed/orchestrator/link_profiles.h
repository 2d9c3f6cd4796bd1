/* link_profiles: named link profiles from scenarios/links.ini ([profile NAME] spec, phy, source), and the
 * expansion of "@NAME" tokens in a link spec. A spec that resolves here is checked with netem's own parser. */
#pragma once
#include <glib.h>

typedef struct {
  char *name;
  char *spec;   /* tc-netem syntax; "" when the profile only sets a Wi-Fi PHY rate */
  char *phy;    /* Wi-Fi PHY rate of every station, or NULL */
  char *source;
} DmxLinkProfile;

typedef struct {
  char *path;
  GPtrArray *profiles; /* DmxLinkProfile* */
} DmxLinkProfiles;

/* scenarios/links.ini beside DEVICES_INI (or $DMX_LINKS_INI). A missing file is an empty set of profiles. */
DmxLinkProfiles *dmx_link_profiles_load_beside(const char *devices_ini, GError **error);
DmxLinkProfiles *dmx_link_profiles_load(const char *path, GError **error);
void dmx_link_profiles_free(DmxLinkProfiles *db);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmxLinkProfiles, dmx_link_profiles_free)
const DmxLinkProfile *dmx_link_profiles_find(const DmxLinkProfiles *db, const char *name);
char *dmx_link_profiles_names(const DmxLinkProfiles *db);

/* Replaces each "@NAME" token of TEXT by profile NAME's spec and checks the result with netem's parser.
 * Returns the expanded spec, or NULL with the reason (naming the offending token or profile) appended to WHY. */
char *dmx_link_spec_resolve(const DmxLinkProfiles *db, const char *text, GString *why);
