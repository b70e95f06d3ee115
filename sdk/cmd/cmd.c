// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The command layer every kbtf command shares: how an error is reported
 * and which exit code it gives (docs/exit-codes.md).
 */
#include <stdio.h>

#include "kbtf/err.h"
#include "cmd.h"

void cmd_report_error(const char *what)
{
	const char *msg = kbtf_errstr();

	if (what && *what)
		fprintf(stderr, "kbtf: %s: %s\n", what, *msg ? msg : "failed");
	else
		fprintf(stderr, "kbtf: %s\n", *msg ? msg : "failed");
}

int cmd_exit_code(int err)
{
	if (!err)
		return KBTF_EXIT_OK;
	return err == -KBTF_ETOOL ? KBTF_EXIT_TOOL : KBTF_EXIT_USAGE;
}

int cmd_error(const char *what, int err)
{
	cmd_report_error(what);
	return cmd_exit_code(err);
}
