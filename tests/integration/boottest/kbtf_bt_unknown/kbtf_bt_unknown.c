// SPDX-License-Identifier: GPL-2.0
/*
 * kbtf_bt_unknown: a module that imports two symbols no kernel exports
 * (built with KBUILD_MODPOST_WARN=1, so modpost only warns), between
 * symbols every kernel exports. The loader's simplify_symbols() walks the
 * symbol table and reports each one it cannot resolve, "Unknown symbol
 * NAME (err -2)", in symbol-table order, and refuses the load (ENOENT).
 */
#include <linux/module.h>

extern void kbtf_bt_no_such_function(void);
extern int kbtf_bt_no_such_variable;

static int __init kbtf_bt_unknown_init(void)
{
	pr_info("kbtf_bt_unknown: %d\n", kbtf_bt_no_such_variable);
	kbtf_bt_no_such_function();
	return 0;
}

static void __exit kbtf_bt_unknown_exit(void)
{
}

module_init(kbtf_bt_unknown_init);
module_exit(kbtf_bt_unknown_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kbtf boot-test fixture: two symbols no kernel exports");
