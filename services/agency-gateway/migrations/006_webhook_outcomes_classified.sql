-- A try is recorded as the receiver's status code and a short classification (http_503,
-- timeout, connect_error...). Earlier rows kept the receiver's answer or an exception's text,
-- either of which may quote resident data: they are reduced to the same classification.
-- (005 is left to a change made alongside this one.)
UPDATE webhook_deliveries SET last_error = CASE
        WHEN last_status_code IS NOT NULL THEN 'http_' || last_status_code
        WHEN last_error = 'webhook removed' THEN 'webhook_removed'
        WHEN split_part(last_error, ':', 1) LIKE '%Timeout' THEN 'timeout'
        WHEN split_part(last_error, ':', 1) = 'ConnectError' THEN 'connect_error'
        WHEN split_part(last_error, ':', 1) LIKE '%ProtocolError' THEN 'protocol_error'
        ELSE 'request_error'
    END
WHERE last_error IS NOT NULL
  AND last_error IS DISTINCT FROM 'http_' || last_status_code
  AND last_error NOT IN ('timeout', 'connect_error', 'tls_error', 'protocol_error',
                         'request_error', 'address_refused', 'url_refused', 'dns_error',
                         'webhook_removed');
