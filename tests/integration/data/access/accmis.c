// SPDX-License-Identifier: GPL-2.0
/*
 * Reads two struct net_device members of a freshly allocated device and
 * prints them: built against 6.12.113's headers, where reg_state is at byte
 * 1408 and ml_priv at 1424. On 6.12.117 (same 2560-byte struct) those bytes
 * hold link_watch_list.prev and priv_destructor. Read only: safe to load.
 */
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>

static int __init accmis_init(void)
{
	struct net_device *dev = alloc_etherdev(0);

	if (!dev)
		return -ENOMEM;
	/* alloc_netdev_mqs() leaves reg_state NETREG_UNINITIALIZED (0) */
	pr_info("accmis: reg_state=%u (expected 0), ml_priv=%px (expected NULL)\n",
		dev->reg_state, dev->ml_priv);
	free_netdev(dev);
	return 0;
}

static void __exit accmis_exit(void)
{
}

module_init(accmis_init);
module_exit(accmis_exit);
MODULE_LICENSE("GPL");
