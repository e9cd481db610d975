-- 003: what we know about outlets, kept apart from the articles that cite them.

-- The outlet registry (config/outlets.csv) as it was when a run used it, one snapshot per
-- registry version (sha of the file), so any past classification can be explained.
CREATE TABLE IF NOT EXISTS outlets (
    registry_version VARCHAR NOT NULL,
    name             VARCHAR NOT NULL,
    country          VARCHAR,
    kind             VARCHAR NOT NULL,        -- outlet | wire | aggregator | platform
    ownership        VARCHAR NOT NULL,        -- state | public | private | unknown
    domains          VARCHAR[] NOT NULL,
    aliases          VARCHAR[] NOT NULL,
    basis            VARCHAR NOT NULL,
    loaded_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (registry_version, name)
);

-- One decision per outlet (as seen in feeds: name + publisher domain) and registry version,
-- with the evidence; method 'llm' rows record the model's own confidence.
CREATE TABLE IF NOT EXISTS outlet_classifications (
    source_name      VARCHAR NOT NULL,        -- '' when the feed gave none
    source_domain    VARCHAR NOT NULL,        -- '' when the feed gave none
    registry_version VARCHAR NOT NULL,
    country          VARCHAR,
    kind             VARCHAR NOT NULL,        -- outlet | aggregator | platform | unknown
    outlet_name      VARCHAR,
    ownership        VARCHAR,
    method           VARCHAR NOT NULL,        -- domain | name | cctld | llm | none
    confidence       DOUBLE NOT NULL,
    evidence         VARCHAR NOT NULL,
    articles         BIGINT NOT NULL,         -- its articles in the last run that saw it
    first_seen       TIMESTAMPTZ NOT NULL,
    last_seen        TIMESTAMPTZ NOT NULL,
    last_run_id      VARCHAR NOT NULL,
    PRIMARY KEY (source_name, source_domain, registry_version)
);
