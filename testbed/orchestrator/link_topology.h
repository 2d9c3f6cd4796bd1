/* link_topology: the network part of a scenario, beyond [link]'s default.
 *
 *   [link]          spec (tc-netem syntax or @PROFILE), profile, mode (wired|wifi), backend (userspace|kernel),
 *                   uplink (true: a NAT station at 10.77.0.254 that reaches the host's 127.0.0.1)
 *   [link A B]      spec or profile for the directed pair A->B (names or '*'); symmetric = true adds B->A
 *   [device NAME]   phy, per, pos: this station's Wi-Fi PHY rate, packet-error rate and position (mode = wifi)
 *   [event NAME]    at_s (emulated seconds) and either action = link A B SPEC | cut A B | restore A B |
 *                   station NAME ARGS | bind CLASS DEVICE | kill DEVICE (a worker), or trace = FILE (CSV time_s,station,rate,delay,loss, or in Wi-Fi mode
 *                   time_s,station,x,y; times relative to at_s)
 *
 * Everything is checked before the run starts (specs with netem's parser, names against the devices, every trace
 * row) and becomes medium control commands: DmxScenario.link_setup (sent after the attaches) and .events (where a
 * kill is marked DMX_EVENT_KILL: dmx does it, not the medium). */
#pragma once
#include "ini_schema.h"
#include "scenario.h"

extern const IniKey dmx_link_keys[];
extern const IniKey dmx_link_pair_keys[];
extern const IniKey dmx_event_keys[];

gboolean dmx_check_station_phy(const char *value, GString *why);
gboolean dmx_check_station_per(const char *value, GString *why);
gboolean dmx_check_station_pos(const char *value, GString *why);

/* Reads [link], [link A B], the devices' Wi-Fi keys and [event NAME] into SC (devices must be read already). */
void dmx_topology_read(IniFile *ini, DmxScenario *sc, const DmxScenarioLoadOptions *opt, GString *errors);
/* Resolves a --link SPEC of `dmx run --app` (may name @PROFILE). */
char *dmx_topology_resolve_cli_spec(const char *spec, const DmxScenarioLoadOptions *opt, GString *why);
