DROP INDEX cluster_owners_cluster_id;
