/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What libkbtf exports. The library is compiled with -fvisibility=hidden
 * and the installed libkbtf.a keeps as global symbols only the functions
 * whose declaration in an installed header carries KBTF_API; the rest of
 * the library is local to it (docs/libkbtf.md, "What the library exports").
 */
#ifndef KBTF_API_H
#define KBTF_API_H

#if defined(__GNUC__)
#define KBTF_API __attribute__((visibility("default")))
#else
#define KBTF_API
#endif

#endif
