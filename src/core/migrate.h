/*
 * migrate.h - migrate_pages() with a caller's own targets: the context a
 * caller that allocates and frees migration targets itself (compaction)
 * passes to migrate.c.  Private to migrate.c and compaction.c; everyone
 * else calls migrate_pages() (model.h) with a pfnlab_migrate_target.
 */
#ifndef PFNLAB_MIGRATE_H
#define PFNLAB_MIGRATE_H

#include "model.h"

/*
 * The get_new_page/put_new_page pair of migrate_pages() and what frees a
 * source: compaction takes targets from its own free list and captures a
 * block its sources free (compaction.c); NULL alloc allocates from the
 * buddy allocator with @target.
 */
struct migrate_ctx {
	const struct pfnlab_migrate_target *target;
	uint64_t (*alloc)(struct pfnlab_machine *m, uint64_t src, void *arg);    /* NIL_PFN: -ENOMEM */
	void (*release)(struct pfnlab_machine *m, uint64_t dst, void *arg);      /* an unused target */
	void (*freed)(struct pfnlab_machine *m, uint64_t src, unsigned order, void *arg); /* source freed */
	void *arg;
};
long migrate_pages_ctx(struct pfnlab_machine *m, uint64_t *heads, size_t *n, uint64_t bad,
		       const struct migrate_ctx *ctx, enum pfnlab_migrate_mode mode,
		       enum pfnlab_migrate_reason reason, struct pfnlab_migrate_result *res);

#endif /* PFNLAB_MIGRATE_H */
