"""The NetSuite edge: TBA signing, the REST/SuiteQL client under the account's concurrency limit, and
the SuiteQL delta poller that turns stock, item and sales-order changes into bus messages.

    gateway.py       open_netsuite_client / open_netsuite_poller: built from the contract + environment
    auth.py          TokenCredentials, TokenSigner (OAuth 1.0a HMAC-SHA256, realm, query params signed)
    errors.py        NetSuiteError(status, code, detail, path) parsed from NetSuite's error body
    governance.py    NetSuiteConcurrencyGovernor (never above the account limit), RetryPolicy
    client.py        NetSuiteClient: suiteql paging, record get/create/update/upsert by eid, transform
    account_time.py  the account's time zone: SuiteQL datetime text ↔ epoch, the repeated DST hour
    server_clock.py  NetSuite's clock vs this process's (offset from DUAL), rows' times resolved
    queries.py       SuiteQL text of the delta sweeps (pure)
    translation.py   rows → StockReading / SalesOrderSeen / ItemChanged, deterministic ids (pure)
    order_ids.py     Shopify order id ↔ sales-order external id
    messages.py      ItemChanged (published on evt.netsuite.item)
    sweeps.py        one keyset sweep: page, translate, publish, dead-letter bad rows
    sales_orders.py  sales-order lines → SalesOrderSeen, kit members, what to read after
    stats.py         PollerStats: counters for health and /metrics
    poller.py        NetSuitePoller: cursors in KV, publish before advancing
"""
