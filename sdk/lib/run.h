/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running the external tools kbtf drives (make, pahole, sign-file): argv
 * arrays only, never a shell, so file names with spaces or quotes are safe.
 */
#ifndef KBTF_RUN_H
#define KBTF_RUN_H

#include "kbtf/buf.h"
#include "kbtf/err.h" /* KBTF_ETOOL: a tool failed or could not start */

struct kbtf_run_opts {
	const char *cwd;	  /* NULL: the current directory */
	const char *const *env;	  /* extra NAME=VALUE entries, NULL-terminated */
	struct kbtf_buf *capture; /* collect stdout+stderr here (else inherited) */
	int stdout_to_stderr;	  /* inherited stdout goes to our stderr */
};

/*
 * Run @argv[0] (looked up in PATH) and wait. Returns its exit status
 * (0..255), or a negative errno (-KBTF_ETOOL when it could not be started
 * or died of a signal), with a message naming the tool.
 */
int kbtf_run(const char *const *argv, const struct kbtf_run_opts *opts);

/* A tool's output, trimmed to its last @max_lines lines, for error messages. */
const char *kbtf_run_tail(const struct kbtf_buf *capture, int max_lines);

#endif
