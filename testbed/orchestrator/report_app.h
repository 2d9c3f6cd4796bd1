/* report_app: `dmx report`'s lines for what the apps measured themselves (summary.json, from app_frames.h and
 * app_photos.h): the network stall per presented frame, and photo-classify's completion time and how the remote
 * photos were handled per file size, with the paper's Table 1 beside it under dynamix. Nothing is printed for a
 * run whose app wrote no such report. */
#pragma once
#include "report_json.h"

void dmx_report_app(const DmxJson *s, const char *policy);
