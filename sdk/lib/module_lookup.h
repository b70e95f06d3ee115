/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An installed module given by name, as modprobe takes it ("kvm",
 * "kvm-intel", an alias), resolved to its file with libkmod against a
 * module directory's depmod indexes.
 */
#ifndef KBTF_MODULE_LOOKUP_H
#define KBTF_MODULE_LOOKUP_H

#include <stdbool.h>

/*
 * Whether a command argument is to be looked up as a module name: only
 * letters, digits, '_' and '-' (no '/', no '.': every path of a .ko and
 * every kernel release has one), and no file or directory of that name here.
 */
bool kbtf_module_is_name(const char *arg);

/*
 * The files of the modules @name resolves to in @moddir (NULL:
 * /lib/modules/$(uname -r)), as modprobe resolves it: module name, then
 * modprobe.d and modules.alias aliases. A NULL-terminated heap array in
 * @paths (one entry for a module name; an alias may match several), freed
 * with kbtf_module_lookup_free(). -ENOENT with one line for kbtf_errstr()
 * when the directory or its modules.dep is missing, the name matches
 * nothing, or only modules built into the kernel.
 */
int kbtf_module_lookup(const char *name, const char *moddir, char ***paths);

void kbtf_module_lookup_free(char **paths);

#endif
