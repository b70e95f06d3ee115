// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * kbtf_access: a GCC plugin that records, for each object kbuild compiles,
 * every access of the code to a member of a struct or union declared in the
 * kernel's headers, into a non-ALLOC section .note.kbtf.access of the object
 * (the linker concatenates the objects' sections into the .ko; the kernel's
 * loader ignores it; modpost warns about non-ALLOC PROGBITS sections unless
 * their name starts with .note). kbtf distill merges the blobs into one
 * .kbtf.access; sdk/lib/module_access.c reads either. docs/access.md says
 * what is recorded and what is not.
 *
 * Why C++ in a C11 project: GCC's plugin API is GCC's own internal C++
 * (opt_pass subclasses, the gimple class hierarchy), so a plugin must be
 * compiled as C++ against gcc-NN-plugin-dev. This file keeps to the C subset
 * that API needs: one pass class, plain structs and arrays, no STL.
 *
 * When: a GIMPLE pass right after the early inliner ("einline"), before any
 * optimisation folds member references into plain offsets. Small inline
 * helpers from kernel headers (list_add, __skb_put, ...) are inlined by
 * then, so their accesses are recorded at the module's call site with the
 * helper's name. A header helper that is not inlined early is recorded as
 * its own function (flagged), and dropped again at the end of the unit when
 * it was early-inlined everywhere and never emitted out of line (its
 * accesses are recorded at the call sites). A helper that stays a call
 * (list_add_tail() with hardened lists; helpers the IPA inliner takes
 * later) has its accesses copied to each call site in the module's code
 * at the end of the unit, naming the helper.
 *
 * Which types: a type counts as the kernel's when the file declaring it lies
 * under the kernel tree kbuild compiles in (its srctree and objtree, from
 * kbuild's exported environment, plus -fplugin-arg-kbtf_access-ktree=DIR)
 * and not under the external module's directory (KBUILD_EXTMOD).
 *
 * Format (host byte order of the target, written with .4byte; version 1):
 *   header  "KBAC", u32 version, u32 header length (24), u32 records,
 *           u32 string bytes, u32 unit (string: the main source file)
 *   records u32 type, path, member type, function, via, file (strings),
 *           line, bit offset, bit size, flags (KBTF_ACC_*)
 *   strings NUL-terminated, the first one empty; padded to 4 bytes.
 */
#include "gcc-plugin.h"
#include "plugin-version.h"
#include "tree.h"
#include "tree-pass.h"
#include "context.h"
#include "function.h"
#include "basic-block.h"
#include "gimple.h"
#include "gimple-iterator.h"
#include "output.h"
#include "diagnostic-core.h"
#include "langhooks.h"

int plugin_is_GPL_compatible;

#define ACC_READ 0x1u
#define ACC_WRITE 0x2u
#define ACC_ADDR 0x4u
#define ACC_BITFIELD 0x8u
#define ACC_HELPER 0x10u /* the function itself is a kernel-header helper */
#define ACC_UNION 0x20u	 /* the accessed type is a union */

struct acc_rec {
	unsigned type, path, mtype, func, via, file, line, bit_off, bits, flags;
	tree fndecl; /* for dropping helpers inlined everywhere */
};

static struct {
	char *strs;
	size_t len, cap;
	unsigned *slots; /* open addressing: string offset + 1 */
	size_t nslots, nused;
} st;

static struct acc_rec *recs;
static size_t nrecs, caprecs;

static tree *inlined; /* helpers seen inlined early */
static size_t ninlined, capinlined;

/* A call to a kernel-header helper that was not inlined early. */
struct call_edge {
	tree caller, callee;
	unsigned func, file, line, helper;
};
static struct call_edge *edges;
static size_t nedges, capedges;

static char *roots[16];
static size_t nroots;
static char *extmod;

struct file_class {
	const char *file;
	int kernel;
};
static struct file_class *fcache;
static size_t nfcache, capfcache;

static void *xgrow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	size_t n = *cap ? *cap * 2 : 64;
	while (n < need)
		n *= 2;
	p = xrealloc(p, n * elem);
	*cap = n;
	return p;
}

static unsigned long hash_str(const char *s)
{
	unsigned long h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static unsigned intern(const char *s)
{
	if (!s || !*s)
		return 0;
	if (!st.len) {
		st.strs = (char *)xgrow(st.strs, &st.cap, 1, 1);
		st.strs[0] = '\0';
		st.len = 1;
	}
	if (st.nused * 2 >= st.nslots) {
		size_t n = st.nslots ? st.nslots * 2 : 1024, i;
		unsigned *ns = XCNEWVEC(unsigned, n);
		for (i = 0; i < st.nslots; i++) {
			if (!st.slots[i])
				continue;
			size_t j = hash_str(st.strs + st.slots[i] - 1) & (n - 1);
			while (ns[j])
				j = (j + 1) & (n - 1);
			ns[j] = st.slots[i];
		}
		free(st.slots);
		st.slots = ns;
		st.nslots = n;
	}
	size_t j = hash_str(s) & (st.nslots - 1);
	while (st.slots[j]) {
		if (!strcmp(st.strs + st.slots[j] - 1, s))
			return st.slots[j] - 1;
		j = (j + 1) & (st.nslots - 1);
	}
	size_t l = strlen(s) + 1;
	unsigned off = (unsigned)st.len;
	st.strs = (char *)xgrow(st.strs, &st.cap, st.len + l, 1);
	memcpy(st.strs + st.len, s, l);
	st.len += l;
	st.slots[j] = off + 1;
	st.nused++;
	return off;
}

static bool under(const char *path, const char *dir)
{
	size_t l = strlen(dir);
	return !strncmp(path, dir, l) && (path[l] == '/' || path[l] == '\0');
}

/* Is @file (as the compiler spelled it) under the kernel tree? */
static bool kernel_file(const char *file)
{
	size_t i;

	if (!file)
		return false;
	for (i = 0; i < nfcache; i++)
		if (fcache[i].file == file)
			return fcache[i].kernel;
	char *real = realpath(file, NULL);
	int k = 0;
	if (real) {
		for (i = 0; i < nroots && !k; i++)
			k = under(real, roots[i]);
		if (k && extmod && under(real, extmod))
			k = 0;
		free(real);
	}
	fcache = (struct file_class *)xgrow(fcache, &capfcache, nfcache + 1, sizeof(*fcache));
	fcache[nfcache].file = file;
	fcache[nfcache].kernel = k;
	nfcache++;
	return k;
}

static void add_root(const char *dir)
{
	char *real;

	if (!dir || !*dir || nroots == sizeof(roots) / sizeof(roots[0]))
		return;
	real = realpath(dir, NULL);
	if (real)
		roots[nroots++] = real;
}

static const char *ident(tree id)
{
	return id && TREE_CODE(id) == IDENTIFIER_NODE ? IDENTIFIER_POINTER(id) : NULL;
}

/* A typedef's name, or NULL. */
static const char *typedef_name(tree t)
{
	tree n = TYPE_NAME(t);

	if (n && TREE_CODE(n) == TYPE_DECL && DECL_ORIGINAL_TYPE(n))
		return ident(DECL_NAME(n));
	return NULL;
}

/* The tag of a struct/union/enum, or NULL when anonymous. */
static const char *tag_name(tree t)
{
	tree n = TYPE_NAME(TYPE_MAIN_VARIANT(t));

	if (n && TREE_CODE(n) == TYPE_DECL)
		n = DECL_NAME(n);
	return ident(n);
}

static void cat(char *buf, size_t len, const char *s)
{
	size_t u = strlen(buf);
	if (u + 1 < len)
		snprintf(buf + u, len - u, "%s", s);
}

/*
 * The member type spelled the way module_access.c spells a BTF type:
 * typedef and base names as written, "struct X", "T*", "T[N]", "fn*";
 * qualifiers left out.
 */
static void spell(tree t, char *buf, size_t len, int depth)
{
	const char *n;
	char num[32];

	if (!t || depth > 8) {
		cat(buf, len, "?");
		return;
	}
	if ((n = typedef_name(t))) {
		cat(buf, len, n);
		return;
	}
	switch (TREE_CODE(t)) {
	case POINTER_TYPE:
		if (TREE_CODE(TREE_TYPE(t)) == FUNCTION_TYPE) {
			cat(buf, len, "fn*");
			return;
		}
		spell(TREE_TYPE(t), buf, len, depth + 1);
		cat(buf, len, "*");
		return;
	case ARRAY_TYPE:
		spell(TREE_TYPE(t), buf, len, depth + 1);
		if (TYPE_DOMAIN(t) && TYPE_MAX_VALUE(TYPE_DOMAIN(t)) &&
		    tree_fits_shwi_p(TYPE_MAX_VALUE(TYPE_DOMAIN(t)))) {
			long nel = (long)tree_to_shwi(TYPE_MAX_VALUE(TYPE_DOMAIN(t))) + 1;

			/* BTF has 0 elements for [0] and [] alike */
			if (nel > 0)
				snprintf(num, sizeof(num), "[%ld]", nel);
			else
				snprintf(num, sizeof(num), "[]");
			cat(buf, len, num);
		} else {
			cat(buf, len, "[]");
		}
		return;
	case RECORD_TYPE:
	case UNION_TYPE:
	case ENUMERAL_TYPE:
		cat(buf, len,
		    TREE_CODE(t) == RECORD_TYPE	 ? "struct "
		    : TREE_CODE(t) == UNION_TYPE ? "union "
						 : "enum ");
		n = tag_name(t);
		cat(buf, len, n ? n : "(anon)");
		return;
	case FUNCTION_TYPE:
		cat(buf, len, "fn");
		return;
	default:
		n = tag_name(t);
		cat(buf, len, n ? n : "?");
		return;
	}
}

/* "struct X", "union X", a typedef name, or NULL (anonymous). */
static const char *type_label(tree t, char *buf, size_t len, bool *kernel)
{
	tree mv = TYPE_MAIN_VARIANT(t), decl = TYPE_STUB_DECL(mv);
	const char *n = tag_name(mv);

	*kernel = false;
	if (n) {
		snprintf(buf, len, "%s %s", TREE_CODE(mv) == UNION_TYPE ? "union" : "struct", n);
	} else if ((n = typedef_name(t))) {
		snprintf(buf, len, "%s", n);
		decl = TYPE_NAME(t);
	} else {
		return NULL;
	}
	*kernel = decl && kernel_file(DECL_SOURCE_FILE(decl));
	return buf;
}

static tree cur_fn;
static unsigned cur_func, cur_helper;
static unsigned cur_file, cur_via, cur_line;

/* One chain of COMPONENT_REFs ending at @ref, accessed @how. */
static void record_chain(tree ref, unsigned how)
{
	tree fields[32], objs[32], x = ref;
	int n = 0, k, i;

	while (TREE_CODE(x) == COMPONENT_REF && n < 32) {
		fields[n] = TREE_OPERAND(x, 1);
		objs[n] = TREE_OPERAND(x, 0);
		n++;
		x = TREE_OPERAND(x, 0);
	}
	/* fields[n-1] is the one nearest the base: walk outward from there */
	for (k = n - 1; k >= 0; k--) {
		char tname[256], path[512], mtype[256];
		bool kernel;
		const char *label = type_label(TREE_TYPE(objs[k]), tname, sizeof(tname), &kernel);
		unsigned long bit_off = 0, bits = 0;
		tree last = fields[0];

		if (!label || !kernel)
			continue;
		path[0] = '\0';
		for (i = k; i >= 0; i--) {
			const char *fn = ident(DECL_NAME(fields[i]));
			if (TREE_CODE(fields[i]) != FIELD_DECL ||
			    !tree_fits_uhwi_p(bit_position(fields[i])))
				return;
			bit_off += tree_to_uhwi(bit_position(fields[i]));
			if (fn) {
				if (path[0])
					cat(path, sizeof(path), ".");
				cat(path, sizeof(path), fn);
			}
		}
		if (!path[0])
			return;
		if (DECL_SIZE(last) && tree_fits_uhwi_p(DECL_SIZE(last)))
			bits = tree_to_uhwi(DECL_SIZE(last));
		mtype[0] = '\0';
		spell(DECL_BIT_FIELD_TYPE(last) ? DECL_BIT_FIELD_TYPE(last) : TREE_TYPE(last),
		      mtype, sizeof(mtype), 0);
		recs = (struct acc_rec *)xgrow(recs, &caprecs, nrecs + 1, sizeof(*recs));
		struct acc_rec *r = &recs[nrecs++];
		r->type = intern(label);
		r->path = intern(path);
		r->mtype = intern(mtype);
		r->func = cur_func;
		r->via = cur_via;
		r->file = cur_file;
		r->line = cur_line;
		r->bit_off = (unsigned)bit_off;
		r->bits = (unsigned)bits;
		r->flags =
		    how | cur_helper | (DECL_BIT_FIELD(last) ? ACC_BITFIELD : 0) |
		    (TREE_CODE(TYPE_MAIN_VARIANT(TREE_TYPE(objs[k]))) == UNION_TYPE ? ACC_UNION
										    : 0);
		r->fndecl = cur_fn;
		return;
	}
}

static void visit(tree t, unsigned how)
{
	int i;

	if (!t)
		return;
	switch (TREE_CODE(t)) {
	case ADDR_EXPR:
		visit(TREE_OPERAND(t, 0), ACC_ADDR);
		return;
	case COMPONENT_REF:
		record_chain(t, how);
		{
			tree x = t;
			while (TREE_CODE(x) == COMPONENT_REF)
				x = TREE_OPERAND(x, 0);
			/* the base: a pointer load, an array element, ... */
			if (TREE_CODE(x) == MEM_REF)
				visit(TREE_OPERAND(x, 0), ACC_READ);
			else if (TREE_CODE(x) != VAR_DECL && TREE_CODE(x) != PARM_DECL &&
				 TREE_CODE(x) != RESULT_DECL)
				visit(x, how);
		}
		return;
	case ARRAY_REF:
	case ARRAY_RANGE_REF:
		visit(TREE_OPERAND(t, 0), how);
		visit(TREE_OPERAND(t, 1), ACC_READ);
		return;
	case BIT_FIELD_REF:
	case REALPART_EXPR:
	case IMAGPART_EXPR:
	case VIEW_CONVERT_EXPR:
		visit(TREE_OPERAND(t, 0), how);
		return;
	case MEM_REF:
	case TARGET_MEM_REF:
		/* MEM[&obj.f + off] accesses obj.f as the MEM_REF is accessed */
		if (TREE_CODE(TREE_OPERAND(t, 0)) == ADDR_EXPR)
			visit(TREE_OPERAND(TREE_OPERAND(t, 0), 0), how);
		return;
	case CONSTRUCTOR:
		return;
	default:
		break;
	}
	if (EXPR_P(t))
		for (i = 0; i < TREE_OPERAND_LENGTH(t); i++)
			visit(TREE_OPERAND(t, i), ACC_READ);
}

static void seen_inlined(tree fn)
{
	size_t i;
	for (i = 0; i < ninlined; i++)
		if (inlined[i] == fn)
			return;
	inlined = (tree *)xgrow(inlined, &capinlined, ninlined + 1, sizeof(*inlined));
	inlined[ninlined++] = fn;
}

/* Where @stmt is in the module's terms: the outermost inlined call site. */
static void locate(gimple *stmt)
{
	location_t loc = gimple_location(stmt);
	tree b, outer = NULL_TREE;

	for (b = gimple_block(stmt); b && TREE_CODE(b) == BLOCK; b = BLOCK_SUPERCONTEXT(b))
		if (inlined_function_outer_scope_p(b))
			outer = b;
	cur_via = 0;
	if (outer) {
		tree origin = block_ultimate_origin(outer);
		if (origin && TREE_CODE(origin) == FUNCTION_DECL) {
			cur_via = intern(ident(DECL_NAME(origin)));
			seen_inlined(origin);
		}
		loc = BLOCK_SOURCE_LOCATION(outer);
	}
	if (loc == UNKNOWN_LOCATION)
		loc = DECL_SOURCE_LOCATION(cur_fn);
	expanded_location xl = expand_location(loc);
	cur_file = intern(xl.file);
	cur_line = (unsigned)xl.line;
}

static unsigned run_on(function *fun)
{
	basic_block bb;
	unsigned i;

	cur_fn = fun->decl;
	cur_func = intern(ident(DECL_NAME(cur_fn)));
	cur_helper = kernel_file(DECL_SOURCE_FILE(cur_fn)) ? ACC_HELPER : 0;
	FOR_EACH_BB_FN(bb, fun)
	{
		gimple_stmt_iterator gsi;
		for (gsi = gsi_start_bb(bb); !gsi_end_p(gsi); gsi_next(&gsi)) {
			gimple *stmt = gsi_stmt(gsi);

			if (is_gimple_debug(stmt))
				continue;
			locate(stmt);
			switch (gimple_code(stmt)) {
			case GIMPLE_ASSIGN:
				visit(gimple_assign_lhs(stmt), ACC_WRITE);
				for (i = 1; i < gimple_num_ops(stmt); i++)
					visit(gimple_op(stmt, i), ACC_READ);
				break;
			case GIMPLE_CALL: {
				tree callee = gimple_call_fndecl(stmt);

				/* a header helper left for later: its accesses are
				 * copied to this call site at the end of the unit */
				if (callee && kernel_file(DECL_SOURCE_FILE(callee))) {
					edges = (struct call_edge *)xgrow(
					    edges, &capedges, nedges + 1, sizeof(*edges));
					edges[nedges++] = {cur_fn, callee, cur_func, cur_file,
							   cur_line, cur_helper};
				}
			}
				visit(gimple_call_lhs(stmt), ACC_WRITE);
				for (i = 0; i < gimple_call_num_args(stmt); i++)
					visit(gimple_call_arg(stmt, i), ACC_READ);
				visit(gimple_call_fn(stmt), ACC_READ);
				break;
			case GIMPLE_ASM: {
				gasm *a = as_a<gasm *>(stmt);
				for (i = 0; i < gimple_asm_noutputs(a); i++)
					visit(TREE_VALUE(gimple_asm_output_op(a, i)),
					      ACC_WRITE | ACC_READ);
				for (i = 0; i < gimple_asm_ninputs(a); i++)
					visit(TREE_VALUE(gimple_asm_input_op(a, i)), ACC_READ);
				break;
			}
			default:
				for (i = 0; i < gimple_num_ops(stmt); i++)
					visit(gimple_op(stmt, i), ACC_READ);
				break;
			}
		}
	}
	return 0;
}

static const pass_data access_pass_data = {
    GIMPLE_PASS, "kbtf_access", OPTGROUP_NONE, TV_NONE, PROP_cfg, 0, 0, 0, 0,
};

class access_pass : public gimple_opt_pass
{
      public:
	access_pass(gcc::context *ctxt) : gimple_opt_pass(access_pass_data, ctxt)
	{
	}
	unsigned int execute(function *fun) final override
	{
		return run_on(fun);
	}
};

static int cmp_rec(const void *a, const void *b)
{
	const struct acc_rec *x = (const struct acc_rec *)a, *y = (const struct acc_rec *)b;
	const unsigned *p = &x->type, *q = &y->type;
	int i;

	/* every field but the access bits of flags */
	for (i = 0; i < 9; i++)
		if (p[i] != q[i])
			return p[i] < q[i] ? -1 : 1;
	if ((x->flags & ~7u) != (y->flags & ~7u))
		return (x->flags & ~7u) < (y->flags & ~7u) ? -1 : 1;
	return 0;
}

static bool dropped(const struct acc_rec *r)
{
	size_t i;

	if (!(r->flags & ACC_HELPER) || TREE_ASM_WRITTEN(r->fndecl))
		return false;
	for (i = 0; i < ninlined; i++)
		if (inlined[i] == r->fndecl)
			return true;
	return false;
}

static void emit_string_bytes(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (i % 16 == 0)
			fprintf(asm_out_file, "%s\t.byte %u", i ? "\n" : "", (unsigned char)s[i]);
		else
			fprintf(asm_out_file, ",%u", (unsigned char)s[i]);
	}
	if (len)
		fputc('\n', asm_out_file);
}

/* Is @fn called from the module's own code (an edge from a non-helper)? */
static bool called_from_module(tree fn)
{
	size_t i;

	for (i = 0; i < nedges; i++)
		if (edges[i].callee == fn && !edges[i].helper)
			return true;
	return false;
}

/*
 * Copy the accesses of helpers that stayed calls (list_add_tail() with
 * hardened lists, helpers the IPA inliner takes later) to each call site:
 * first helper into helper (a few rounds, for helpers calling helpers),
 * then into the module's functions, which name the helper as "via".
 */
static void attribute_helpers(void)
{
	int round;
	size_t e, i, n0;

	for (round = 0; round <= 4; round++) {
		bool to_module = round == 4;

		for (e = 0; e < nedges; e++) {
			const struct call_edge ce = edges[e];

			if (!!ce.helper == to_module || ce.caller == ce.callee)
				continue;
			n0 = nrecs;
			for (i = 0; i < n0; i++) {
				struct acc_rec r;

				if (recs[i].fndecl != ce.callee || !(recs[i].flags & ACC_HELPER))
					continue;
				r = recs[i];
				r.fndecl = ce.caller;
				r.func = ce.func;
				r.file = ce.file;
				r.line = ce.line;
				r.via = intern(ident(DECL_NAME(ce.callee)));
				r.flags = (r.flags & ~ACC_HELPER) | ce.helper;
				recs = (struct acc_rec *)xgrow(recs, &caprecs, nrecs + 1,
							       sizeof(*recs));
				recs[nrecs++] = r;
			}
		}
	}
}

static void finish_unit(void *, void *)
{
	size_t i, n = 0;
	unsigned unit;

	if (!asm_out_file || seen_error())
		return;
	attribute_helpers();
	for (i = 0; i < nrecs; i++) {
		/* a helper's own records stay only where no module code calls it */
		if ((recs[i].flags & ACC_HELPER) && called_from_module(recs[i].fndecl))
			continue;
		if (!dropped(&recs[i]))
			recs[n++] = recs[i];
	}
	qsort(recs, n, sizeof(*recs), cmp_rec);
	nrecs = n;
	n = 0;
	for (i = 0; i < nrecs; i++) {
		if (n && !cmp_rec(&recs[n - 1], &recs[i]))
			recs[n - 1].flags |= recs[i].flags;
		else
			recs[n++] = recs[i];
	}
	nrecs = n;
	if (!nrecs)
		return;
	unit = intern(main_input_filename);
	if (!st.len)
		intern("x");
	while (st.len % 4)
		st.strs[st.len++] = '\0', st.strs = (char *)xgrow(st.strs, &st.cap, st.len + 1, 1);
	fprintf(asm_out_file, "\t.pushsection .note.kbtf.access,\"\",%%progbits\n\t.balign 4\n");
	fprintf(asm_out_file, "\t.ascii \"KBAC\"\n\t.4byte 1,24,%lu,%lu,%u\n", (unsigned long)nrecs,
		(unsigned long)st.len, unit);
	for (i = 0; i < nrecs; i++) {
		const struct acc_rec *r = &recs[i];
		fprintf(asm_out_file, "\t.4byte %u,%u,%u,%u,%u,%u,%u,%u,%u,%u\n", r->type, r->path,
			r->mtype, r->func, r->via, r->file, r->line, r->bit_off, r->bits, r->flags);
	}
	emit_string_bytes(st.strs, st.len);
	fprintf(asm_out_file, "\t.popsection\n");
}

int plugin_init(struct plugin_name_args *info, struct plugin_gcc_version *version)
{
	struct register_pass_info pass;
	int i;

	if (!plugin_default_version_check(version, &gcc_version)) {
		error("%<kbtf_access%>: built for another GCC (%s)", gcc_version.basever);
		return 1;
	}
	for (i = 0; i < info->argc; i++) {
		if (!strcmp(info->argv[i].key, "ktree") && info->argv[i].value) {
			char *dirs = xstrdup(info->argv[i].value), *d, *save = NULL;
			for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save))
				add_root(d);
			free(dirs);
		}
	}
	add_root(getenv("srctree"));
	add_root(getenv("objtree"));
	if (getenv("KBUILD_EXTMOD") && *getenv("KBUILD_EXTMOD"))
		extmod = realpath(getenv("KBUILD_EXTMOD"), NULL);
	if (!nroots)
		warning(0, "%<kbtf_access%>: no kernel tree known (not run by kbuild, no %<ktree%>): "
			   "nothing is recorded");

	pass.pass = new access_pass(g);
	pass.reference_pass_name = "einline";
	pass.ref_pass_instance_number = 1;
	pass.pos_op = PASS_POS_INSERT_AFTER;
	register_callback(info->base_name, PLUGIN_PASS_MANAGER_SETUP, NULL, &pass);
	register_callback(info->base_name, PLUGIN_FINISH_UNIT, finish_unit, NULL);
	return 0;
}
