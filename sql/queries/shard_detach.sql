DETACH shard
