/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kbtf inspect: a module's access record, per type and member (docs/access.md). */
#ifndef KBTF_INSPECT_ACCESS_H
#define KBTF_INSPECT_ACCESS_H

#include "kbtf/json.h"
#include "kbtf/source.h"

void inspect_access_text(const struct kbtf_module *m);
void inspect_access_json(struct kbtf_json *j, const struct kbtf_module *m);

#endif
