/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Building the kbtf_access GCC plugin (kbtf_access_plugin.c) for the exact
 * compiler a kernel's modules are built with, once per compiler version,
 * and the KCFLAGS that load it into kbuild's compiles.
 */
#ifndef KBTF_ACCESS_PLUGIN_H
#define KBTF_ACCESS_PLUGIN_H

#include <stddef.h>

/*
 * The plugin for the compiler named by @kdir's CONFIG_CC_VERSION_TEXT:
 * from the cache ($XDG_CACHE_HOME/kbtf/access/, else ~/.cache/kbtf/access/;
 * one directory per compiler identity: path, version, plugin directory), or
 * built there once, under a lock, renamed into place, with that compiler's C++ driver and its
 * plugin headers (gcc-NN-plugin-dev). Its path in @path. A negative errno, with one line for
 * kbtf_errstr() saying why, when no plugin can be had (a clang-built kernel, no plugin headers, no
 * g++-NN, a build failure).
 */
int kbtf_access_plugin(const char *kdir, char *path, size_t len);

/*
 * "KCFLAGS=[$KCFLAGS ]-fplugin=@so" for kbuild's command line, heap; a
 * kbtf_access plugin the inherited KCFLAGS loads (another kernel's compiler's)
 * is left out, as GCC refuses one plugin name given with two paths.
 */
char *kbtf_access_kcflags(const char *so);

#endif
