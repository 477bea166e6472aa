DROP TABLE cluster_owners;
