-- The keys the service signs its own tokens with (those it sends to custom task
-- extensions), published at /.well-known/jwks.json. They belong to the service,
-- not to a tenant, and every instance signs with the same one: the oldest. The
-- private key is PKCS#8 PEM; `kid` is its public key's JWK thumbprint (RFC 7638).
-- On Citus the table is a reference table, like the catalogs.

create table signing_keys (
    kid text primary key,
    private_key_pem text not null,
    created_date_time timestamptz not null default now()
);

select replicate_to_every_node('signing_keys');
