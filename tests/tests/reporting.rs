//! Reports against the emulator: a day of orders through the pipeline (confirmed, one despatched and invoiced)
//! becomes every report of the tenant as CSV, XLSX and Parquet under one run with a manifest, and a page of
//! charts; the figures equal a recomputation from the orders and invoices as the API shows them, the Parquet
//! files read back with the CSV's values, and a re-run switches readers to the new files at once.

use std::collections::BTreeMap;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use orders_domain::ids::Role;
use orders_domain::reports::{Cell, Period, ReportName};
use orders_testkit::{order_body, strict_csv, TestStack};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sha2::Digest;

fn dec(value: &Value) -> Decimal {
    value.as_str().expect("decimal string").parse().expect("decimal")
}

fn today() -> String {
    time::OffsetDateTime::now_utc().date().to_string()
}

/// Runs the reports of `date` for the stack's tenant, as the schedule would with a `detail`.
async fn run(stack: &TestStack, date: &str) -> reporting::RunSummary {
    facts(stack).await;
    let mut event = EventBridgeEvent::<reporting::ReportRun>::default();
    event.detail = reporting::ReportRun { tenant: Some(stack.tenant.id.to_string()), date: Some(date.to_owned()) };
    let app = stack.stack.reporting().expect("reporting");
    reporting::handle(&app, event).await.expect("report run")
}

/// The order-line facts of every order change so far written, as the table's stream delivers them to the
/// reporting function: the sales reports are summed from them.
async fn facts(stack: &TestStack) {
    let delivery = stack.deliver_stream("ReportingFunction").await;
    assert_eq!(delivery.failed, 0, "{delivery:?}");
}

/// A report's manifest of `date`.
async fn manifest(stack: &TestStack, report: &str, date: &str) -> Value {
    let key = format!("tenant={}/report={report}/date={date}/manifest.json", stack.tenant.id);
    let bytes = stack.exported_bytes(&key).await.unwrap_or_else(|| panic!("no {key}"));
    serde_json::from_slice(&bytes).expect("manifest JSON")
}

/// The file of `format` a manifest names, checked against the manifest's size and SHA-256.
async fn file(stack: &TestStack, manifest: &Value, format: &str) -> Vec<u8> {
    let entry = manifest["files"].as_array().expect("files").iter().find(|f| f["format"] == format).expect(format);
    let key = entry["key"].as_str().expect("key");
    let bytes = stack.exported_bytes(key).await.unwrap_or_else(|| panic!("no {key}"));
    assert_eq!(entry["bytes"], bytes.len(), "{key}");
    assert_eq!(entry["sha256"], hex::encode(sha2::Sha256::digest(&bytes)), "{key}");
    bytes
}

/// The CSV's rows as maps from header to cell.
fn records(rows: &[Vec<String>]) -> Vec<BTreeMap<String, String>> {
    rows[1..].iter().map(|row| rows[0].iter().cloned().zip(row.iter().cloned()).collect()).collect()
}

/// A Parquet cell as the CSV writes it.
fn as_csv(cell: &Cell) -> String {
    match cell {
        Cell::Null => String::new(),
        Cell::Text(t) => orders_domain::reports::csv_text(t).trim_matches('"').replace("\"\"", "\""),
        Cell::Integer(n) => n.to_string(),
        Cell::Decimal(d) => d.normalize().to_string(),
        Cell::Date(d) => d.to_string(),
    }
}

#[tokio::test]
async fn a_days_orders_become_every_report_in_three_formats_with_a_manifest_and_a_page() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant.id.clone();
    let mut ids = Vec::new();
    for n in 0..4 {
        let mut body = order_body(&format!("WS-REP-{n}"));
        if n == 1 {
            body["buyer"] = json!({"name": "=HYPERLINK(\"x\")", "email": "formula@example.com"});
        }
        if n == 2 {
            body["lines"] = json!([{"sku": "SKU-5", "quantity": "1"}]); // nothing in stock: rejected, not a sale
        }
        ids.push(stack.post_json("/v1/orders", &body).await.body["id"].as_str().expect("id").to_owned());
    }
    stack.deliver_all().await;
    // The first order ships whole and is invoiced today.
    stack
        .despatch(&ids[0], &json!({"despatch_number": "D-REP-0", "lines": [{"line_no": 1, "quantity": "2"}, {"line_no": 2, "quantity": "1.5"}]}))
        .await;
    stack.deliver_all().await;
    stack.deliver_all().await;
    let orders: Vec<Value> = futures::future::join_all(ids.iter().map(|id| stack.order(id))).await;
    assert_eq!(orders[2]["status"], "rejected", "{}", orders[2]);
    assert_eq!(orders[0]["status"], "invoiced", "{}", orders[0]);

    // An independent recomputation from the orders as the API shows them.
    let sales: Vec<&Value> = orders.iter().filter(|o| o["status"] != "rejected").collect();
    let lines = || sales.iter().flat_map(|o| o["lines"].as_array().expect("lines"));
    let quantity: Decimal = lines().map(|l| dec(&l["quantity"])).sum();
    let net: Decimal = sales
        .iter()
        .map(|o| dec(&o["totals"]["net"]) - dec(&o["totals"]["allowances"]) + dec(&o["totals"]["charges"]))
        .sum();
    let vat: Decimal = sales.iter().map(|o| dec(&o["totals"]["vat"])).sum();
    let gross: Decimal = sales.iter().map(|o| dec(&o["totals"]["gross"])).sum();

    let today = today();
    let summary = run(&stack, &today).await;
    assert_eq!(summary.manifests.len(), ReportName::ALL.len(), "{:?}", summary.manifests);
    for report in ReportName::ALL {
        let prefix = format!("tenant={tenant}/report={}/date={today}/", report.as_str());
        assert!(summary.manifests.contains(&format!("{prefix}manifest.json")), "{report:?}");
    }

    // Sales by day: exact figures; the Parquet file reads back with the CSV's values; Athena's copy is the same.
    let days = manifest(&stack, "sales_by_day", &today).await;
    let csv = file(&stack, &days, "csv").await;
    assert_eq!(
        String::from_utf8(csv.clone()).expect("UTF-8"),
        format!(
            "date,currency,orders,quantity,net,vat,gross\r\n{today},EUR,3,{},{net},{vat},{gross}\r\n",
            quantity.normalize()
        )
    );
    let parquet = file(&stack, &days, "parquet").await;
    let athena = stack
        .exported_bytes(&format!("tenant={tenant}/report=sales_by_day/date={today}/table/sales_by_day.parquet"))
        .await
        .expect("Athena's copy");
    assert_eq!(athena, parquet);
    let xlsx = file(&stack, &days, "xlsx").await;
    assert_eq!(&xlsx[..2], b"PK", "an XLSX is a zip");

    // Every report: the CSV is strict RFC 4180 and its rows equal the Parquet file's, cell by cell.
    let mut csvs = BTreeMap::new();
    for report in ReportName::ALL {
        let manifest = manifest(&stack, report.as_str(), &today).await;
        let rows = strict_csv(&file(&stack, &manifest, "csv").await);
        let parquet =
            orders_exports::parquet_file::read_back(file(&stack, &manifest, "parquet").await).expect("parquet");
        assert_eq!(parquet.len(), rows.len() - 1, "{report:?}");
        for (csv_row, parquet_row) in rows[1..].iter().zip(&parquet) {
            let from_parquet: Vec<String> = parquet_row.iter().map(as_csv).collect();
            let from_csv: Vec<String> = csv_row
                .iter()
                .map(|c| c.parse::<Decimal>().map(|d| d.normalize().to_string()).unwrap_or_else(|_| c.clone()))
                .collect();
            assert_eq!(from_csv, from_parquet, "{report:?}");
        }
        assert_eq!(manifest["files"][0]["rows"], rows.len() - 1);
        csvs.insert(report, records(&rows));
    }

    // By customer: the buyer named like a formula is neutralised; customers' nets add up to the day's.
    let customers = &csvs[&ReportName::SalesByCustomer];
    assert!(customers.iter().any(|r| r["name"] == "'=HYPERLINK(\"x\")"), "{customers:?}");
    assert_eq!(customers.iter().map(|r| r["net"].parse::<Decimal>().expect("net")).sum::<Decimal>(), net);
    let products = &csvs[&ReportName::SalesByProduct];
    assert_eq!(products.iter().map(|r| r["quantity"].parse::<Decimal>().expect("q")).sum::<Decimal>(), quantity);
    let product_vat: Decimal = products.iter().map(|r| r["vat"].parse::<Decimal>().expect("vat")).sum();
    let line_vat: Decimal =
        lines().map(|l| (dec(&l["line_net"]) * dec(&l["vat_rate"]) / Decimal::ONE_HUNDRED).round_dp(4)).sum();
    assert_eq!(product_vat, line_vat);
    let top = &csvs[&ReportName::TopProducts];
    assert_eq!(top[0]["rank"], "1");
    assert!(top.windows(2).all(|w| w[0]["net"].parse::<Decimal>().ok() >= w[1]["net"].parse::<Decimal>().ok()));

    // Gross margin per product: net − quantity × the catalogue's cost price.
    let catalogue = stack.stack.store().all_products(&tenant).await.expect("catalogue");
    for row in csvs[&ReportName::GrossMargin].iter().filter(|r| r["dimension"] == "product") {
        let cost = catalogue.iter().find(|p| p.sku.as_str() == row["key"]).and_then(|p| p.cost_price).expect("cost");
        let sold: Decimal = lines().filter(|l| l["sku"] == row["key"].as_str()).map(|l| dec(&l["quantity"])).sum();
        let line_net: Decimal = lines().filter(|l| l["sku"] == row["key"].as_str()).map(|l| dec(&l["line_net"])).sum();
        assert_eq!(row["margin"].parse::<Decimal>().expect("margin"), line_net - sold * cost, "{row:?}");
    }

    // Tracking: the open orders' lines (not the invoiced or the rejected one), each still to ship in full.
    let tracking = &csvs[&ReportName::OrderTracking];
    let tracked: std::collections::BTreeSet<&str> = tracking.iter().map(|r| r["order_id"].as_str()).collect();
    assert_eq!(tracked, [ids[1].as_str(), ids[3].as_str()].into_iter().collect());
    assert!(tracking.iter().all(|r| r["open"] == r["confirmed"] && r["age_days"] == "0"), "{tracking:?}");

    // The invoice register and the statement show the invoice as the billing API does.
    let operator = stack.key_with_role(&tenant, Role::Operator).await;
    let listed = stack.get("/v1/invoices", &operator).await;
    let number = listed.body["items"][0]["number"].as_str().expect("number").to_owned();
    let invoice = stack.get(&format!("/v1/invoices/{number}"), &operator).await.body;
    let register = &csvs[&ReportName::InvoiceRegister];
    assert!(!register.is_empty());
    assert!(register.iter().all(|r| r["number"] == number));
    let taxable: Decimal = register.iter().map(|r| r["taxable"].parse::<Decimal>().expect("taxable")).sum();
    assert_eq!(
        register[0]["payable"].parse::<Decimal>().ok(),
        invoice["totals"]["payable"].as_str().and_then(|p| p.parse().ok())
    );
    assert_eq!(Some(taxable), invoice["totals"]["tax_exclusive"].as_str().and_then(|p| p.parse().ok()));
    let statement = &csvs[&ReportName::CustomerStatement];
    assert_eq!(statement.len(), 1);
    assert_eq!(statement[0]["outstanding"], statement[0]["amount"]);
    let lead = &csvs[&ReportName::LeadTimes];
    assert_eq!(lead.len(), 1);
    assert_eq!(lead[0]["order_id"], ids[0]);
    assert!(lead[0]["received_to_invoice_h"].parse::<Decimal>().is_ok_and(|h| h >= Decimal::ZERO));

    // The statement workbook has a summary sheet and one per customer.
    let statement_xlsx = file(&stack, &manifest(&stack, "customer_statement", &today).await, "xlsx").await;
    let workbook = String::from_utf8_lossy(&statement_xlsx).to_string();
    assert!(workbook.contains("xl/worksheets/sheet2.xml") && !workbook.contains("xl/worksheets/sheet3.xml"));

    // The page: inline SVG charts, no scripts, a link to every file of the run.
    let page = stack.exported_bytes(&summary.index_pages[0]).await.expect("index.html");
    let page = String::from_utf8(page).expect("UTF-8");
    assert!(page.matches("<svg").count() >= 4, "sales by day, top products, top customers, open by age");
    assert!(!page.contains("<script"));
    assert_eq!(page.matches("<a href=").count(), ReportName::ALL.len() * 3);
    assert!(page.contains(&format!("../../report=sales_by_day/date={today}/run=")));

    // A scheduled run (no detail) queues every tenant's yesterday; the queued run writes this tenant's export.
    let yesterday = time::OffsetDateTime::now_utc().date().previous_day().expect("yesterday").to_string();
    let app = stack.stack.reporting().expect("reporting");
    let summary = reporting::handle(&app, EventBridgeEvent::default()).await.expect("scheduled run");
    assert_eq!(summary.date, yesterday);
    assert!(summary.queued.contains(&tenant.to_string()), "{summary:?}");
    stack.deliver_all().await;
    let manifest = format!("tenant={tenant}/report=sales_by_day/date={yesterday}/manifest.json");
    assert!(stack.exported_bytes(&manifest).await.is_some(), "{manifest}");
}

#[tokio::test]
async fn a_rerun_switches_readers_to_whole_new_files_and_removes_runs_before_the_previous() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant.id.clone();
    stack.post_json("/v1/orders", &order_body("WS-RERUN-1")).await;
    stack.deliver_all().await;
    let today = today();
    let first = run(&stack, &today).await;
    assert_eq!(first.manifests.len(), ReportName::ALL.len());

    // A reader keeps following the manifest while the report is re-run: every file it is pointed at exists and
    // matches the manifest's checksum (file() asserts both), so no reader ever sees half a run.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        let stack = &stack;
        let today = today.clone();
        async move {
            let mut reads = 0;
            let mut runs = std::collections::BTreeSet::new();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let manifest = manifest(stack, "sales_by_product", &today).await;
                file(stack, &manifest, "csv").await;
                file(stack, &manifest, "parquet").await;
                runs.insert(manifest["run"].as_str().expect("run").to_owned());
                reads += 1;
            }
            (reads, runs)
        }
    };
    let writer = async {
        let mut runs = Vec::new();
        for n in 0..3 {
            stack.post_json("/v1/orders", &order_body(&format!("WS-RERUN-{}", n + 2))).await;
            stack.deliver_all().await;
            facts(&stack).await;
            let app = stack.stack.reporting().expect("reporting");
            let period = Period::day(time::OffsetDateTime::now_utc().date());
            let run =
                reporting::run_reports(&app, &tenant, &period, &[ReportName::SalesByProduct]).await.expect("re-run");
            runs.push(run.run);
        }
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        runs
    };
    let ((reads, seen), runs) = tokio::join!(reader, writer);
    assert!(reads > 0 && seen.len() >= 2, "the reader saw {seen:?} in {reads} reads");

    // The manifest names the last run, whose figures count every order; only it and the one before are kept.
    let last = manifest(&stack, "sales_by_product", &today).await;
    assert_eq!(last["run"], runs[2].as_str());
    let rows = records(&strict_csv(&file(&stack, &last, "csv").await));
    let sku1 = rows.iter().find(|r| r["sku"] == "SKU-1").expect("SKU-1");
    assert_eq!(sku1["orders"], "4");
    let prefix = format!("tenant={tenant}/report=sales_by_product/date={today}/run=");
    let kept: std::collections::BTreeSet<String> = stack
        .exported_keys(&prefix)
        .await
        .iter()
        .filter_map(|k| k.strip_prefix(&prefix).and_then(|rest| rest.split('/').next()).map(str::to_owned))
        .collect();
    assert_eq!(kept, [runs[1].clone(), runs[2].clone()].into_iter().collect());
}

#[test]
fn the_glue_tables_of_the_template_match_the_reports_columns() {
    let template = orders_testkit::local_template();
    let tables: BTreeMap<String, Value> = template
        .resources_of("AWS::Glue::Table")
        .into_iter()
        .map(|r| {
            let json = devstack::template::to_json(&r.properties);
            (json["TableInput"]["Name"].as_str().expect("name").to_owned(), json)
        })
        .collect();
    let inputs = reporting::tables::Inputs::empty(Period::day(time::macros::date!(2026 - 01 - 01)));
    for report in ReportName::ALL {
        let table = reporting::tables::compute(report, &inputs).table;
        let declared = tables.get(report.as_str()).unwrap_or_else(|| panic!("no Glue table {}", report.as_str()));
        let columns: Vec<(String, String)> = declared["TableInput"]["StorageDescriptor"]["Columns"]
            .as_array()
            .expect("columns")
            .iter()
            .map(|c| (c["Name"].as_str().expect("name").to_owned(), c["Type"].as_str().expect("type").to_owned()))
            .collect();
        let expected: Vec<(String, String)> = table
            .columns
            .iter()
            .map(|c| (c.name.to_owned(), orders_exports::parquet_file::hive_type(c.kind)))
            .collect();
        assert_eq!(columns, expected, "{}", report.as_str());
        let location = declared["TableInput"]["Parameters"]["storage.location.template"].to_string();
        assert!(location.contains(&format!("/report={}/date=${{!report_date}}/table/", report.as_str())), "{location}");
    }
    // The facts' table: the files' columns by position (their tenant and date are tenant_id and date; the
    // partitions are tenant and fact_date), where the reporting function writes them.
    let facts = &tables["order_facts"]["TableInput"];
    let columns: Vec<&str> = facts["StorageDescriptor"]["Columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c["Name"].as_str().expect("name"))
        .collect();
    let expected: Vec<&str> = orders_domain::reports::facts::FACT_COLUMNS
        .iter()
        .map(|&c| if c == "tenant" { "tenant_id" } else { c })
        .collect();
    assert_eq!(columns, expected);
    assert_eq!(facts["Parameters"]["skip.header.line.count"], "1", "the files' header line");
    let location = facts["Parameters"]["storage.location.template"].to_string();
    let date = time::macros::date!(2026 - 01 - 01);
    let written = reporting::facts::facts_prefix("${!tenant}", date).replace("2026-01-01", "${!fact_date}");
    assert!(location.contains(&format!("/{written}\"")), "{location} is not where {written} is written");
    assert_eq!(tables.len(), ReportName::ALL.len() + 1);
}

#[tokio::test]
async fn an_operator_runs_a_report_for_a_range_and_downloads_its_files_through_presigned_links() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant.id.clone();
    stack.post_json("/v1/orders", &order_body("WS-API-1")).await;
    stack.deliver_all().await;
    facts(&stack).await;
    let operator = stack.key_with_role(&tenant, Role::Operator).await;
    let to = time::OffsetDateTime::now_utc().date();
    let from = to - time::Duration::days(6);
    let body = json!({"report": "sales_by_product", "from_date": from.to_string(), "to_date": to.to_string()});
    let post = |key: String, body: Value| {
        let stack = &stack;
        async move {
            orders_testkit::Answer::from(
                stack.request(reqwest::Method::POST, "/v1/reports", &key).json(&body).send().await,
            )
            .await
        }
    };

    let created = post(operator.clone(), body.clone()).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let spec = orders_testkit::openapi_spec();
    orders_testkit::assert_conforms(&spec, "/v1/reports", "post", 201, &created.body);
    let location = created.header("location").expect("Location").to_owned();
    assert_eq!(location, format!("/v1/reports/{}", created.body["id"].as_str().expect("id")));
    assert_eq!(created.body["files"].as_array().expect("files").len(), 3);
    let http = reqwest::Client::new();
    for file in created.body["files"].as_array().expect("files") {
        let bytes =
            http.get(file["url"].as_str().expect("url")).send().await.expect("download").bytes().await.expect("body");
        assert_eq!(file["sha256"], hex::encode(sha2::Sha256::digest(&bytes)), "{file}");
        assert_eq!(file["bytes"], bytes.len());
        if file["format"] == "csv" {
            let rows = records(&strict_csv(&bytes));
            let sku1 = rows.iter().find(|r| r["sku"] == "SKU-1").expect("SKU-1");
            assert_eq!((sku1["orders"].as_str(), sku1["quantity"].as_str()), ("1", "2"));
        }
    }
    let page = http.get(created.body["page"]["url"].as_str().expect("page")).send().await.expect("page");
    let page = page.text().await.expect("page text");
    assert!(page.contains("<a href=\"sales_by_product.csv\">"), "the run's own page links its files: {page}");
    // The range has its own folder; the day's full page and files are not touched.
    let range = format!("tenant={tenant}/report=sales_by_product/range={from}_{to}/");
    assert!(stack.exported_keys(&range).await.iter().any(|k| k.ends_with("manifest.json")));
    assert!(stack.exported_keys(&format!("tenant={tenant}/index/")).await.is_empty());

    // Fresh links for the same run; once a newer run replaces it, its id is gone.
    let again = stack.get(&location, &operator).await;
    assert_eq!(again.status, 200, "{}", again.body);
    orders_testkit::assert_conforms(&spec, "/v1/reports/{id}", "get", 200, &again.body);
    assert_eq!(again.body["files"][0]["sha256"], created.body["files"][0]["sha256"]);
    let again_page = http.get(again.body["page"]["url"].as_str().expect("page")).send().await.expect("page");
    assert_eq!(again_page.status(), 200, "the run's own page, signed again");
    assert_eq!(again_page.text().await.expect("page text"), page);
    let newer = post(operator.clone(), body.clone()).await;
    assert_eq!(newer.status, 201);
    assert_eq!(stack.get(&location, &operator).await.status, 404);
    assert_eq!(stack.get("/v1/reports/rep_nope", &operator).await.status, 404);

    // Only operators; bad requests are problems with pointers.
    assert_eq!(post(stack.tenant.key.clone(), body.clone()).await.status, 403);
    let warehouse = stack.key_with_role(&tenant, Role::Warehouse).await;
    assert_eq!(post(warehouse, body).await.status, 403);
    let bad = post(
        operator.clone(),
        json!({"report": "everything", "from_date": to.to_string(), "to_date": from.to_string()}),
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.pointers(), ["/report", "/to_date"]);
    let other = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other.id, Role::Operator).await;
    assert_eq!(
        stack
            .get(
                &location.replace(
                    &created.body["id"].as_str().unwrap_or_default().to_string(),
                    newer.body["id"].as_str().expect("id")
                ),
                &other_operator
            )
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn a_long_report_goes_up_in_parts_and_reads_back_whole() {
    let stack = TestStack::start().await;
    let app = stack.stack.reporting().expect("reporting").with_part_bytes(5 * 1024 * 1024);
    let today = time::OffsetDateTime::now_utc().date();
    let period = Period::day(today);
    let inputs = reporting::tables::Inputs::empty(period);
    let mut content = reporting::tables::compute(ReportName::OrderTracking, &inputs);
    let columns = content.table.columns.clone();
    for n in 0..30_000_i64 {
        let row = columns
            .iter()
            .map(|c| match c.kind {
                orders_domain::reports::ColumnKind::Text => {
                    Cell::Text(format!("{}-{n:08}-Ödegaard, \"Åsa\" {}", c.name, "x".repeat(20)))
                }
                orders_domain::reports::ColumnKind::Integer => Cell::Integer(n),
                orders_domain::reports::ColumnKind::Date => Cell::Date(today),
                _ => Cell::Decimal(Decimal::new(n * 125, 2)),
            })
            .collect();
        content.table.push(row);
    }
    content.sheets = vec![("tracking".into(), content.table.clone())];
    let written = reporting::writer::write_report(&app, &stack.tenant.id, &period, "20261130T000000Z-test", &content)
        .await
        .expect("written");
    let manifest = manifest(&stack, "order_tracking", &today.to_string()).await;
    assert_eq!(manifest["run"], written.run);
    let csv = file(&stack, &manifest, "csv").await;
    assert!(csv.len() > 10 * 1024 * 1024, "{} bytes: more than two parts", csv.len());
    let rows = strict_csv(&csv);
    assert_eq!(rows.len(), 30_001);
    assert_eq!(rows[30_000][0], format!("order_id-00029999-Ödegaard, \"Åsa\" {}", "x".repeat(20)));
    let key = written.files[0].key.clone();
    let bucket = stack.stack.reference("ExportsBucket").expect("bucket").to_owned();
    let head = stack.stack.aws.s3.head_object().bucket(bucket).key(&key).send().await.expect("head");
    // A multipart object's ETag ends in -<parts>; each part but the last holds at least 5 MiB.
    let parts: usize = head
        .e_tag()
        .and_then(|tag| tag.trim_matches('"').rsplit_once('-'))
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or_else(|| panic!("a multipart upload: {:?}", head.e_tag()));
    assert_eq!(parts, csv.len() / (5 * 1024 * 1024) + 1, "{} bytes", csv.len());
    let parquet = orders_exports::parquet_file::read_back(file(&stack, &manifest, "parquet").await).expect("parquet");
    assert_eq!(parquet.len(), 30_000);
    assert_eq!(parquet[29_999][10], Cell::Decimal(Decimal::new(29_999 * 125, 2)));
}

#[tokio::test]
async fn one_tenants_failing_reports_do_not_stop_the_others_and_are_retried_on_their_own() {
    let stack = TestStack::start().await;
    stack.new_tenant().await;
    let yesterday = time::OffsetDateTime::now_utc().date().previous_day().expect("yesterday").to_string();
    let app = stack.stack.reporting().expect("reporting");
    // One tenant fails: S3 refuses every file of its reports, from the emulator's side.
    let tenants = app.store().list_tenants().await.expect("tenants");
    let (failing, others) = tenants.split_first().expect("two tenants");
    let faults = stack.function_faults("ReportingFunction");
    faults
        .inject(json!({"service": "s3", "action": "PutObject", "kind": "error", "error": "unavailable",
                       "resource": format!("tenant={failing}/")}))
        .await;
    let summary = reporting::handle(&app, EventBridgeEvent::default()).await.expect("the schedule queues every tenant");
    assert_eq!(summary.queued.len(), tenants.len(), "{summary:?}");
    stack.deliver_all().await;
    for tenant in others {
        let key = format!("tenant={tenant}/report=sales_by_day/date={yesterday}/manifest.json");
        assert!(stack.exported_bytes(&key).await.is_some(), "{tenant}'s reports are written despite the failure");
    }
    let theirs = format!("tenant={failing}/report=sales_by_day/date={yesterday}/manifest.json");
    assert!(stack.exported_bytes(&theirs).await.is_none(), "no half run of the failed tenant is visible");
    // Retried on its own until the reporting DLQ (its alarm) holds that tenant's day, and only it.
    let dead: Vec<Value> = stack
        .drain_queue("ReportingDeadLetterQueue")
        .await
        .iter()
        .map(|body| serde_json::from_str(body).expect("a tenant day"))
        .collect();
    assert_eq!(dead, [json!({"tenant": failing, "date": yesterday})]);

    // Once S3 takes its files, the same message, redriven, writes that tenant's day.
    faults.clear().await;
    stack.send_to_queue("ReportingQueue", serde_json::to_string(&dead[0]).expect("json")).await;
    stack.deliver_all().await;
    assert!(stack.exported_bytes(&theirs).await.is_some(), "written on redrive");
}
