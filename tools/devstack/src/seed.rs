//! Demo data and API keys.

use rust_decimal::Decimal;
use time::OffsetDateTime;

use orders_aws::store::ApiKeyRecord;
use orders_aws::{Store, StoreError};
use orders_domain::catalogue::{Customer, CustomerPrice, DeliveryAddress, Product, VatCategory};
use orders_domain::fingerprint::api_key_hash;
use orders_domain::ids::{CustomerId, Role, Sku, TenantId};
use orders_domain::money::Currency;
use orders_domain::order::{Address, Discount, EmailAddress, Language};
use orders_domain::tenant::TenantSettings;
use orders_domain::ubl::PeppolId;

pub use orders_app::admin::IssuedKey;

/// Creates an API key for `tenant` with `role`; webshop keys post for `channel`.
pub async fn create_api_key(
    store: &Store,
    tenant: &TenantId,
    role: Role,
    channel: &str,
) -> Result<IssuedKey, StoreError> {
    let key = orders_domain::admin::NewApiKey {
        name: format!("{} ({channel})", role.as_str()),
        role,
        channel: channel.to_owned(),
        valid_until: None,
    };
    orders_app::admin::issue_key(store, tenant, &key, "devstack", OffsetDateTime::now_utc()).await
}

/// The bearer tokens in events/*/*.json (webshop, operator), so `cargo lambda invoke --data-file …` works against the
/// local stack. Registered by `devstack up` for the demo tenant only; never in a deployed stack.
pub const FIXTURE_KEYS: [(&str, Role); 2] = [
    ("ows_fixture_key_for_local_invoke_only", Role::Webshop),
    ("oop_fixture_key_for_local_invoke_only", Role::Operator),
];

/// Registers the [`FIXTURE_KEYS`] for `tenant` (those not already there).
pub async fn register_fixture_keys(store: &Store, tenant: &TenantId, channel: &str) -> Result<(), StoreError> {
    for (secret, role) in FIXTURE_KEYS {
        let hash = api_key_hash(secret);
        if store.find_api_key(&hash).await?.is_some() {
            continue;
        }
        let record = ApiKeyRecord {
            key_id: format!("key_fixture_{}", role.as_str()),
            tenant: tenant.clone(),
            role,
            channel: channel.to_owned(),
            created_at: OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            name: Some(format!("fixture {} key (events/*.json)", role.as_str())),
            created_by: Some("devstack".into()),
            valid_until: None,
            revoked_at: None,
            language: None,
        };
        store.put_api_key(&hash, &record).await?;
    }
    Ok(())
}

fn id<T, E: std::fmt::Debug>(result: Result<T, E>) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("demo data is valid by construction: {error:?}"),
    }
}

/// The demo tenant's settings: `demo-tenant.json`, a seller's settings file as `orders-admin tenant create` reads
/// one (with the domain's rules), under the id `tenant`.
pub fn demo_tenant(tenant: &TenantId) -> TenantSettings {
    let mut settings = id(orders_domain::admin::parse_tenant(include_str!("../demo-tenant.json")));
    settings.tenant = tenant.clone();
    settings
}

/// The demo catalogue: five products with stock in two warehouses (on hand per warehouse).
pub fn demo_products() -> Vec<(Product, [Decimal; 2])> {
    let eur = id(Currency::parse("EUR"));
    let product = |sku: &str, name: &str, unit: &str, price: i64, scale: u32, rate: i64, stock: [i64; 2]| {
        (
            Product {
                sku: id(Sku::parse(sku)),
                name: name.into(),
                unit: unit.into(),
                price: Decimal::new(price, scale),
                currency: eur,
                vat_category: VatCategory::S,
                vat_rate: Decimal::new(rate, 0),
                cost_price: Some(Decimal::new(price * 6 / 10, scale)),
                lot_tracked: false,
                min_stock: Some(Decimal::new(5, 0)),
                target_stock: Some(Decimal::new(20, 0)),
                gtin: None,
            },
            [Decimal::new(stock[0], 0), Decimal::new(stock[1], 0)],
        )
    };
    vec![
        product("SKU-1", "Oak desk 160x80", "C62", 34900, 2, 25, [12, 4]),
        product("SKU-2", "Desk lamp, brass", "C62", 4990, 2, 25, [40, 0]),
        product("SKU-3", "Coffee beans, 1 kg", "KGM", 1895, 2, 12, [100, 50]),
        product("SKU-4", "Notebook A5, dotted", "C62", 650, 2, 25, [3, 0]),
        product("SKU-5", "Cookbook: Nordic baking", "C62", 2900, 2, 6, [0, 0]),
    ]
}

/// The demo customers: a Swedish company with a 5 % discount and a German one with an agreed lamp price.
pub fn demo_customers() -> Vec<Customer> {
    vec![
        Customer {
            id: id(CustomerId::parse("C-1")),
            name: "Kontorsmöbler Syd AB".into(),
            email: id(EmailAddress::parse("inkop@kontorsmobler-syd.example.se")),
            language: Some(id(Language::parse("sv"))),
            vat_id: Some("SE556677889901".into()),
            address: Some(Address {
                name: "Kontorsmöbler Syd AB".into(),
                street: "Stortorget 1".into(),
                additional_street: None,
                city: "Malmö".into(),
                postal_code: "211 22".into(),
                country: "SE".into(),
            }),
            discount: Some(Discount::Percent(Decimal::new(5, 0))),
            peppol_id: Some(id(PeppolId::parse("0007", "5565475489"))),
            delivery_addresses: vec![
                DeliveryAddress {
                    id: "store-malmo".into(),
                    address: Address {
                        name: "Kontorsmöbler Syd AB, butiken".into(),
                        street: "Södergatan 12".into(),
                        additional_street: None,
                        city: "Malmö".into(),
                        postal_code: "211 34".into(),
                        country: "SE".into(),
                    },
                },
                DeliveryAddress {
                    id: "warehouse-lund".into(),
                    address: Address {
                        name: "Kontorsmöbler Syd AB, lagret".into(),
                        street: "Industrivägen 3".into(),
                        additional_street: Some("Port 4".into()),
                        city: "Lund".into(),
                        postal_code: "224 78".into(),
                        country: "SE".into(),
                    },
                },
            ],
        },
        Customer {
            id: id(CustomerId::parse("C-2")),
            name: "Büro Schmidt GmbH".into(),
            email: id(EmailAddress::parse("einkauf@buero-schmidt.example.de")),
            language: Some(id(Language::parse("de"))),
            vat_id: Some("DE123456789".into()),
            address: Some(Address {
                name: "Büro Schmidt GmbH".into(),
                street: "Hauptstraße 5".into(),
                additional_street: None,
                city: "Berlin".into(),
                postal_code: "10115".into(),
                country: "DE".into(),
            }),
            discount: None,
            peppol_id: Some(id(PeppolId::parse("0088", "7300010000001"))),
            delivery_addresses: Vec::new(),
        },
    ]
}

/// Writes the demo tenant, catalogue, stock and customers.
pub async fn seed_demo(store: &Store, tenant: &TenantId) -> Result<(), StoreError> {
    let settings = demo_tenant(tenant);
    // Created as `orders-admin tenant create` creates a seller; on an emulator that has it, its settings are reset.
    match orders_app::admin::create_tenant(store, &settings).await {
        Ok(()) => {}
        Err(orders_app::admin::OnboardingError::Exists(_)) => store.put_tenant(&settings).await?,
        Err(orders_app::admin::OnboardingError::Store(error)) => return Err(error),
    }
    for (product, stock) in demo_products() {
        store.put_product(tenant, &product).await?;
        for (warehouse, on_hand) in settings.warehouses.iter().zip(stock) {
            store.set_stock(tenant, &product.sku, warehouse, on_hand).await?;
        }
    }
    for customer in demo_customers() {
        store.put_customer(tenant, &customer).await?;
    }
    store
        .put_customer_price(
            tenant,
            &id(Sku::parse("SKU-2")),
            &id(CustomerId::parse("C-2")),
            &CustomerPrice { price: Some(Decimal::new(4500, 2)), discount: None },
        )
        .await?;
    Ok(())
}
