// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Three glibc 2.38 entry points that Debian 13's libbpf.a calls and
 * Debian 12's glibc 2.36 lacks. glibc 2.38 routes scanf and strtoull to
 * these C23 variants, which differ from the old ones only in accepting
 * binary ("0b...", %b) input; libbpf parses decimal and hex only, so the
 * old functions give the same answers. Linked into btfo only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int __isoc23_sscanf(const char *s, const char *fmt, ...) __attribute__((format(scanf, 2, 3)));
int __isoc23_fscanf(FILE *f, const char *fmt, ...) __attribute__((format(scanf, 2, 3)));
unsigned long long __isoc23_strtoull(const char *s, char **end, int base);

int __isoc23_sscanf(const char *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsscanf(s, fmt, ap);
	va_end(ap);
	return n;
}

int __isoc23_fscanf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfscanf(f, fmt, ap);
	va_end(ap);
	return n;
}

unsigned long long __isoc23_strtoull(const char *s, char **end, int base)
{
	return strtoull(s, end, base);
}
