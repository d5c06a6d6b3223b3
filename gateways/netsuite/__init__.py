"""The NetSuite edge: TBA signing, the REST/SuiteQL client under the account's concurrency limit, and
the SuiteQL delta poller that turns stock, item and sales-order changes into bus messages.

    auth.py        TokenCredentials, TokenSigner (OAuth 1.0a HMAC-SHA256)
    errors.py      NetSuiteError parsed from NetSuite's error body; which failures are worth a retry
    governance.py  NetSuiteConcurrencyGovernor (never above the account limit), RetryPolicy
    client.py      NetSuiteClient: suiteql paging, record get/create/update/upsert by eid
    account_time.py  the account's time zone: rendering and parsing SuiteQL datetimes safely
    queries.py     SuiteQL text for the delta sweeps (pure)
    translation.py rows → StockReading / SalesOrderSeen / ItemChanged with deterministic ids (pure)
    order_ids.py   Shopify order id ↔ sales-order external id
    messages.py    ItemChanged (published on evt.netsuite.item)
    poller.py      NetSuitePoller: cursors in KV, publish before advancing
"""
