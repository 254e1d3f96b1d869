/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The style sheet and the one script, compiled in: the pages load them
 * from /ui/ so that the Content-Security-Policy allows no inline code.
 */
#ifndef COLLECTOR_ASSETS_H
#define COLLECTOR_ASSETS_H

#include <stdbool.h>

#include "ui/ui.h"

/* true and out filled when path is an asset */
bool assets__serve(const char *path, struct ui_response *out);

#endif
