/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Symbol resolution as the module loader does it: every undefined symbol
 * of a module must be exported by the kernel (or a module loaded before
 * it), GPL-only exports need a GPL-compatible license, namespaced exports
 * need MODULE_IMPORT_NS, and with modversions each symbol's CRC in the
 * module's __versions must equal the kernel's (from Module.symvers).
 */
#ifndef KBTF_SYMBOLS_H
#define KBTF_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kbtf_module;
struct kbtf_modsym;

/* ------------------------------------------------------- Module.symvers */

struct kbtf_export {
	const char *name;
	const char *module; /* "vmlinux" or a module path like "drivers/net/foo" */
	const char *type;   /* "EXPORT_SYMBOL", "EXPORT_SYMBOL_GPL", ... */
	const char *ns;	    /* namespace, "" if none */
	uint32_t crc;
	bool gpl_only;
};

struct kbtf_symvers;

/*
 * Parse Module.symvers text: "0xCRC<TAB>symbol<TAB>module<TAB>type<TAB>ns"
 * (Linux >= 5.10), also the 5.4-5.9 order (namespace third) and the old
 * four-field form. A malformed line is an error naming it (-EINVAL).
 */
int kbtf_symvers_parse(const char *text, size_t len, const char *name, struct kbtf_symvers **out);
/*
 * The same, keeping only the symbols named in @wanted (any export list
 * used as a set; NULL keeps all): a module needs a few hundred of a
 * kernel's 30000 exports. Lines that are dropped are only checked for
 * having a symbol field.
 */
int kbtf_symvers_parse_wanted(const char *text, size_t len, const char *name,
			      const struct kbtf_symvers *wanted, struct kbtf_symvers **out);
int kbtf_symvers_load_wanted(const char *path, const struct kbtf_symvers *wanted,
			     struct kbtf_symvers **out);
/* An empty export list to fill with kbtf_symvers_add (e.g. peer modules). */
int kbtf_symvers_new(struct kbtf_symvers **out);
/* ... named @name (a file's path, for messages), with room for @n exports */
int kbtf_symvers_new_named(const char *name, size_t n, struct kbtf_symvers **out);
int kbtf_symvers_add(struct kbtf_symvers *sv, const char *name, uint32_t crc, const char *module,
		     const char *type, const char *ns);
const struct kbtf_export *kbtf_symvers_find(const struct kbtf_symvers *sv, const char *name);
size_t kbtf_symvers_count(const struct kbtf_symvers *sv);
/* Export @i (0 .. count - 1), in the order added; NULL past the end. */
const struct kbtf_export *kbtf_symvers_at(const struct kbtf_symvers *sv, size_t i);
/* True when at least one CRC is nonzero (the kernel was built with modversions). */
bool kbtf_symvers_has_crcs(const struct kbtf_symvers *sv);
const char *kbtf_symvers_name(const struct kbtf_symvers *sv);
void kbtf_symvers_free(struct kbtf_symvers *sv);

/* ------------------------------------------------------- module facts */

/* What the loader looks at on the module's side. */
struct kbtf_modsyms {
	const char *name; /* module name for messages */
	const struct kbtf_modsym *undef;
	size_t nr_undef;
	bool has_versions; /* the module carries __versions */
	char *license;	   /* MODULE_LICENSE, NULL if none */
	char **import_ns;  /* MODULE_IMPORT_NS entries */
	size_t nr_import_ns;
	char **exports; /* the module's own exports (__ksymtab_strings) */
	size_t nr_exports;
	/* __versions' entry for module_layout (the layout of struct module),
	 * which the loader checks before anything else */
	bool has_layout_crc;
	uint32_t layout_crc;
};

/* Fill @out from a module (undefined symbols, .modinfo, __ksymtab_strings). */
int kbtf_modsyms_from_module(const struct kbtf_module *m, struct kbtf_modsyms *out);
void kbtf_modsyms_fini(struct kbtf_modsyms *ms);
/* The kernel's license_is_gpl_compatible(). */
bool kbtf_license_gpl_compatible(const char *license);

/* ------------------------------------------------------- the check */

/* A tristate for kernel config facts: -1 unknown, 0 no, 1 yes. */
struct kbtf_symcheck_kernel {
	const struct kbtf_symvers *exports; /* the kernel's Module.symvers */
	const struct kbtf_symvers *peers;   /* exports of modules loaded alongside (may be NULL) */
	int modversions;		    /* CONFIG_MODVERSIONS */
	int force_load;			    /* CONFIG_MODULE_FORCE_LOAD */
	int allow_missing_ns;		    /* CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS */
	/* @exports is vmlinux's alone (read from the image): a symbol it
	 * lacks may be an in-tree module's, so it is left unchecked */
	bool vmlinux_only;
};

enum kbtf_sym_issue_kind {
	KBTF_SYM_UNRESOLVED, /* nobody exports it */
	KBTF_SYM_CRC,	     /* modversions CRC differs */
	KBTF_SYM_GPL_ONLY,   /* EXPORT_SYMBOL_GPL, module not GPL-compatible */
	KBTF_SYM_NAMESPACE,  /* namespaced export, namespace not imported */
};

const char *kbtf_sym_issue_str(enum kbtf_sym_issue_kind k);

struct kbtf_sym_issue {
	enum kbtf_sym_issue_kind kind;
	const char *name;     /* points into the module's data */
	uint32_t module_crc;  /* from __versions (CRC issues) */
	uint32_t kernel_crc;  /* from Module.symvers (CRC issues) */
	const char *ns;	      /* namespace (NAMESPACE issues) */
	const char *exporter; /* module column of the export, if found */
	char kernel_log[256]; /* what the loader prints, one or two lines */
};

struct kbtf_sym_result {
	struct kbtf_sym_issue *issues;
	size_t nr_issues;
	size_t nr_checked;	/* undefined symbols looked at */
	size_t nr_from_modules; /* resolved through an in-tree module's export */
	size_t nr_from_peers;	/* resolved through another module of the run */
	size_t nr_unchecked;	/* not in a vmlinux-only export list (vmlinux_only) */
	size_t nr_no_version;	/* resolved, but not in the module's __versions */
	/* the first of those, and how many issues come before it: where
	 * check_version()'s once-per-boot "no symbol version" line falls */
	const char *no_version_first;
	size_t no_version_at;
	/* The module has no __versions on a modversions kernel: it loads only
	 * forced (tainted) with MODULE_FORCE_LOAD, else it is refused. */
	bool unversioned;
};

/* Check @ms against @k. 0, or -ENOMEM. Free @res with kbtf_sym_result_fini. */
int kbtf_symbols_check(const struct kbtf_modsyms *ms, const struct kbtf_symcheck_kernel *k,
		       struct kbtf_sym_result *res);
void kbtf_sym_result_fini(struct kbtf_sym_result *res);

#endif
