/*
 * A vendor's own check with libkbtf: every module against every kernel,
 * the report on standard output, one line per pair on standard error, and
 * exit 0 only when every pair loads with its BTF.
 *
 *   matrix_report FORMAT MODULE.ko... -- KERNEL...
 *
 * cc -o matrix_report matrix_report.c $(pkg-config --cflags --libs --static kbtf)
 */
#include <stdio.h>
#include <string.h>

#include <kbtf/err.h>
#include <kbtf/matrix.h>
#include <kbtf/report.h>

int main(int argc, char **argv)
{
	struct kbtf_matrix_opts opts = {0}; /* jobs 0: a thread per CPU */
	enum kbtf_report_format format;
	bool fails;
	struct kbtf_matrix mx;
	size_t i;
	int sep;

	for (sep = 2; sep < argc && strcmp(argv[sep], "--"); sep++)
		;
	if (sep == 2 || sep >= argc - 1 || kbtf_report_format_parse(argv[1], &format)) {
		fprintf(stderr, "usage: %s text|json|junit|md|html MODULE.ko... -- KERNEL...\n",
			argv[0]);
		return 2;
	}
	/* an unreadable module or kernel is an "error" pair, not a failure here */
	if (kbtf_matrix_run((const char *const *)argv + 2, (size_t)(sep - 2),
			    (const char *const *)argv + sep + 1, (size_t)(argc - sep - 1), &opts,
			    &mx)) {
		fprintf(stderr, "%s\n", kbtf_errstr());
		return 2;
	}
	if (kbtf_report_write(stdout, format, &mx, NULL))
		fprintf(stderr, "report: %s\n", kbtf_errstr());
	/* results[m * nr_kernels + k]: module m on kernel k */
	for (i = 0; i < mx.nr_modules * mx.nr_kernels; i++) {
		const struct kbtf_result *r = &mx.results[i];

		fprintf(stderr, "%s on %s: %s, %s\n", r->module_name ? r->module_name : r->module,
			r->release ? r->release : r->source, kbtf_verdict_str(r->verdict),
			kbtf_load_str(r->load));
	}
	/* kbtf validate's default gate: any verdict but ok (ok-unchecked too) */
	fails = kbtf_report_fails(&mx, kbtf_report_fail_default());
	kbtf_matrix_fini(&mx);
	return fails ? 1 : 0;
}
