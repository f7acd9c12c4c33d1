"""Reference implementation of the core job in DuckDB, for the end-to-end benchmark.

Reads the subscriptions and users exports, keeps the active Kaizala Pro subscriptions with auto
renew off that end by the horizon, joins their customers' users, counts per customer the users
holding Kaizala Pro, and writes one row per customer.

    python duckdb_ref.py SUBSCRIPTIONS.csv USERS.csv OUT.csv
"""
import sys

import duckdb

subs, users, out = sys.argv[1:4]
# Windows PowerShell's Export-Csv writes a "#TYPE ..." line above the header.
with open(subs, "rb") as f:
    skip = 1 if f.read(8).lstrip(b"\xef\xbb\xbf").startswith(b"#TYPE") else 0
# End dates as ISO (the API) or as a US-culture DateTime ("12/20/2026 12:00:00 AM", Export-Csv).
end = (
    "coalesce(try_strptime(CommitmentEndDate, '%m/%d/%Y %I:%M:%S %p'),"
    " try_cast(CommitmentEndDate AS TIMESTAMP))::DATE"
)
con = duckdb.connect()
con.execute(
    f"""
COPY (
  WITH s AS (SELECT * FROM read_csv('{subs}', header = true, all_varchar = true, skip = {skip})),
  exp AS (
    SELECT CustomerId, TRY_CAST(Quantity AS BIGINT) AS q, {end} AS e
    FROM s
    WHERE lower(OfferName) LIKE '%kaizala%'
      AND lower(AutoRenewEnabled) = 'false'
      AND lower(Status) = 'active'
      AND {end} <= DATE '2027-12-01'
  ),
  cust AS (SELECT CustomerId, min(e) AS deadline, sum(q) AS seats FROM exp GROUP BY 1),
  u AS (
    SELECT CustomerId, "User principal name" AS upn, Licenses
    FROM read_csv('{users}', header = true, all_varchar = true)
  )
  SELECT c.CustomerId, c.deadline, c.seats,
         count(u.upn) FILTER (WHERE u.Licenses LIKE '%Kaizala Pro%') AS users_to_move
  FROM cust c LEFT JOIN u ON u.CustomerId = c.CustomerId
  GROUP BY ALL
  ORDER BY c.deadline, c.CustomerId
) TO '{out}' (HEADER)
"""
)
