// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kbtf's entry point: dispatch "kbtf COMMAND ..." to the builtin.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

struct builtin {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct builtin builtins[] = {
    {"inspect", cmd_inspect, "show what a kernel, module or BTF file holds"},
    {"validate", cmd_validate, "what each kernel does with each module at load time"},
    {"kernels", cmd_kernels, "store target kernel profiles; fetch them from Debian"},
    {"distill", cmd_distill, "add a distilled base (.BTF.base) to built modules"},
    {"build", cmd_build, "kbuild out-of-tree modules, then distill them"},
    {"boot-test", cmd_boot_test, "boot kernels under qemu, load modules, check predictions"},
    {"dkms", cmd_dkms, "embed BTF in what DKMS builds: enable, disable, the hooks"},
    {"new", cmd_new, "start a module project: source, Kbuild, DKMS, CI"},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: kbtf [--version] [--help] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		fprintf(f, "  %-10s %s\n", builtins[i].name, builtins[i].summary);
	fprintf(f, "\n'kbtf COMMAND --help' describes one command; see also kbtf(1).\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return KBTF_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return KBTF_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("kbtf %s\n", KBTF_VERSION);
		return KBTF_EXIT_OK;
	}
	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		if (!strcmp(argv[1], builtins[i].name))
			return builtins[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "kbtf: '%s' is not a kbtf command; see 'kbtf --help'\n", argv[1]);
	return KBTF_EXIT_USAGE;
}
