-- Who owns each cluster: readers of an account see the logs of the clusters it owns now. `explicit` owners are
-- registered with PUT .../clusters/{cluster_uuid}/owner; `learned` ones come from the first log that named an
-- account for the cluster, and never replace an explicit one.
CREATE TABLE cluster_owners (
    cluster_uuid    text        PRIMARY KEY CHECK (cluster_uuid <> ''),
    cluster_id      text        NOT NULL DEFAULT '',
    subscription_id text        NOT NULL DEFAULT '',
    account_id      text        NOT NULL CHECK (account_id <> ''),
    source          text        NOT NULL CHECK (source IN ('explicit', 'learned')),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- A reader's visibility: the clusters its account owns, in one index-only lookup (uuids, and the cluster ids
-- that match logs carrying no uuid).
CREATE INDEX cluster_owners_account ON cluster_owners (account_id) INCLUDE (cluster_uuid, cluster_id);
