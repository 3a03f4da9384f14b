-- The distinct-bidder summary (issue 9, the report at its lower bound): see the SQLite
-- migration of the same name.

CREATE TABLE bidder_year (
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    year INTEGER NOT NULL,
    company_id BIGINT NOT NULL REFERENCES company(id),
    sections INTEGER NOT NULL,
    PRIMARY KEY (agency_id, year, company_id)
);

INSERT INTO bidder_year (agency_id, year, company_id, sections)
WITH RECURSIVE up(agency_id, ancestor_id) AS (
    SELECT id, id FROM agency
    UNION ALL
    SELECT up.agency_id, a.parent_id FROM up JOIN agency a ON a.id = up.ancestor_id
    WHERE a.parent_id IS NOT NULL
),
opened AS (
    SELECT DISTINCT agency_id, section_id, CAST(EXTRACT(YEAR FROM published_on) AS INTEGER) AS year
    FROM notice WHERE section_id IS NOT NULL AND type IN ('bid_opening', 'candidate_publicity')
),
named AS (SELECT DISTINCT section_id, company_id FROM bidder WHERE section_id IS NOT NULL)
SELECT up.ancestor_id, o.year, b.company_id, COUNT(*)
FROM opened o JOIN named b ON b.section_id = o.section_id JOIN up ON up.agency_id = o.agency_id
GROUP BY up.ancestor_id, o.year, b.company_id;

-- The notice counts of contracts.md §3.4 per agency (and each ancestor) and year of the Beijing
-- publication date, and the number of `bidder_year` rows of that agency-year (the year's
-- distinct bidders), maintained by the same writers; whole-year figures read one row.
CREATE TABLE trading_year (
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    year INTEGER NOT NULL,
    trading_notices INTEGER NOT NULL,
    plans_and_intentions INTEGER NOT NULL,
    bidders INTEGER NOT NULL,
    PRIMARY KEY (agency_id, year)
);

INSERT INTO trading_year (agency_id, year, trading_notices, plans_and_intentions, bidders)
WITH RECURSIVE up(agency_id, ancestor_id) AS (
    SELECT id, id FROM agency
    UNION ALL
    SELECT up.agency_id, a.parent_id FROM up JOIN agency a ON a.id = up.ancestor_id
    WHERE a.parent_id IS NOT NULL
),
counted AS (
    SELECT agency_id, CAST(EXTRACT(YEAR FROM published_on) AS INTEGER) AS year,
        SUM(CASE WHEN type IN ('tender_plan', 'procurement_intention') THEN 0 ELSE 1 END) AS trading,
        SUM(CASE WHEN type IN ('tender_plan', 'procurement_intention') THEN 1 ELSE 0 END) AS plans
    FROM notice GROUP BY agency_id, CAST(EXTRACT(YEAR FROM published_on) AS INTEGER)
)
SELECT up.ancestor_id, c.year, SUM(c.trading), SUM(c.plans), 0
FROM counted c JOIN up ON up.agency_id = c.agency_id
GROUP BY up.ancestor_id, c.year;

INSERT INTO trading_year (agency_id, year, trading_notices, plans_and_intentions, bidders)
SELECT agency_id, year, 0, 0, COUNT(*) FROM bidder_year WHERE true GROUP BY agency_id, year
ON CONFLICT (agency_id, year) DO UPDATE SET bidders = excluded.bidders;

-- A report reads its agency's subtree by parent (one recursive statement).
CREATE INDEX agency_parent ON agency(parent_id);
