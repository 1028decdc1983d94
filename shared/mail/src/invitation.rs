//! The email inviting a B2B buyer into the buyer portal: a link that signs them in, and the buyer account key they
//! can sign in with later (pasted on the portal page), in the buyer's language.

use orders_domain::order::Language;

use crate::strings::{fill, strings};
use crate::{escape_html, header_safe, Lang, MailError, RenderedEmail};

/// The texts of an invitation in one language. `{s}` is the seller, `{d}` the date the key stops working.
struct InvitationStrings {
    subject: &'static str,
    intro: &'static str,
    open: &'static str,
    key: &'static str,
    note: &'static str,
}

fn invitation_strings(lang: Lang) -> InvitationStrings {
    let (subject, intro, open, key, note) = match lang {
        Lang::En => (
            "Your buyer portal at {s}",
            "{s} invites you to its buyer portal: order from the catalogue at your prices, follow your orders and \
             download their documents.",
            "Sign in now",
            "Your buyer account key (paste it on the portal page to sign in later)",
            "The key is personal and works until {d}; keep it like a password. The seller can revoke it.",
        ),
        Lang::Sv => (
            "Din köparportal hos {s}",
            "{s} bjuder in dig till sin köparportal: beställ ur sortimentet till dina priser, följ dina beställningar \
             och hämta deras dokument.",
            "Logga in nu",
            "Din köparnyckel (klistra in den på portalsidan för att logga in senare)",
            "Nyckeln är personlig och gäller till {d}; förvara den som ett lösenord. Säljaren kan återkalla den.",
        ),
        Lang::De => (
            "Ihr Käuferportal bei {s}",
            "{s} lädt Sie in sein Käuferportal ein: Bestellen Sie aus dem Sortiment zu Ihren Preisen, verfolgen Sie \
             Ihre Bestellungen und laden Sie deren Dokumente herunter.",
            "Jetzt anmelden",
            "Ihr Käuferschlüssel (fügen Sie ihn auf der Portalseite ein, um sich später anzumelden)",
            "Der Schlüssel ist persönlich und gilt bis {d}; bewahren Sie ihn wie ein Passwort auf. Der Verkäufer kann \
             ihn widerrufen.",
        ),
        Lang::Pl => (
            "Twój portal kupującego w {s}",
            "{s} zaprasza Cię do portalu kupującego: zamawiaj z katalogu po swoich cenach, śledź zamówienia i pobieraj \
             ich dokumenty.",
            "Zaloguj się teraz",
            "Twój klucz kupującego (wklej go na stronie portalu, aby zalogować się później)",
            "Klucz jest osobisty i działa do {d}; przechowuj go jak hasło. Sprzedawca może go unieważnić.",
        ),
        Lang::Lt => (
            "Jūsų pirkėjo portalas pas {s}",
            "{s} kviečia jus į pirkėjo portalą: užsakykite iš katalogo savo kainomis, sekite užsakymus ir \
             atsisiųskite jų dokumentus.",
            "Prisijungti dabar",
            "Jūsų pirkėjo raktas (įklijuokite jį portalo puslapyje, kad prisijungtumėte vėliau)",
            "Raktas asmeninis ir galioja iki {d}; saugokite jį kaip slaptažodį. Pardavėjas gali jį atšaukti.",
        ),
        Lang::Zh => (
            "您在 {s} 的买家门户",
            "{s} 邀请您使用其买家门户：按您的价格从目录下单、跟踪订单并下载单据。",
            "立即登录",
            "您的买家账户密钥（以后在门户页面粘贴即可登录）",
            "密钥为个人专用，有效期至 {d}；请像密码一样妥善保管。卖家可以撤销它。",
        ),
    };
    InvitationStrings { subject, intro, open, key, note }
}

/// Renders the invitation of `buyer` (in `buyer_language`, else the seller's) to the portal at `url` (a link that
/// signs in), with the account `key` working until `expires`.
pub fn render_invitation(
    buyer: &str,
    buyer_language: Option<&Language>,
    seller: &str,
    tenant_language: &Language,
    url: &str,
    key: &str,
    expires: time::Date,
) -> Result<RenderedEmail, MailError> {
    let lang = Lang::pick(buyer_language, tenant_language);
    let (t, s) = (invitation_strings(lang), strings(lang));
    let with_seller = |text: &str| text.replace("{s}", seller).replace("{d}", &lang.date(expires));
    let subject = header_safe(&with_seller(t.subject));
    let greeting = fill(s.greeting, "", buyer, seller);
    let regards: Vec<String> = fill(s.regards, "", buyer, seller).lines().map(str::to_owned).collect();
    let text = format!(
        "{greeting}\n\n{}\n\n{}:\n{url}\n\n{}:\n{key}\n\n{}\n\n{}\n",
        with_seller(t.intro),
        t.open,
        t.key,
        with_seller(t.note),
        regards.join("\n")
    );
    let html = format!(
        "<!doctype html>\n<html lang=\"{tag}\">\n<head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body>\n\
         <p>{greeting}</p>\n<p>{intro}</p>\n<p><a href=\"{url}\">{open}</a></p>\n<p>{key_label}:<br><code>{key}</code></p>\n\
         <p>{note}</p>\n<p>{regards}</p>\n</body>\n</html>\n",
        tag = lang.tag(),
        title = escape_html(&subject),
        greeting = escape_html(&greeting),
        intro = escape_html(&with_seller(t.intro)),
        url = escape_html(url),
        open = escape_html(t.open),
        key_label = escape_html(t.key),
        key = escape_html(key),
        note = escape_html(&with_seller(t.note)),
        regards = regards.iter().map(|l| escape_html(l)).collect::<Vec<_>>().join("<br>"),
    );
    Ok(RenderedEmail { subject, text, html, lang })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_carries_the_link_and_the_key_escaped_in_the_buyers_language() {
        let sv = Language::parse("sv").expect("language");
        let en = Language::parse("en").expect("language");
        let date = time::macros::date!(2027 - 12 - 01);
        let email =
            render_invitation("Åsa & Co", Some(&sv), "Demo <AB>", &en, "https://x/portal#link=a.b", "a.b", date)
                .expect("render");
        assert_eq!(email.lang, Lang::Sv);
        assert!(email.subject.contains("Demo <AB>"), "{}", email.subject);
        assert!(email.text.contains("https://x/portal#link=a.b") && email.text.contains("\na.b\n"));
        assert!(email.html.contains("Demo &lt;AB&gt;") && !email.html.contains("Demo <AB>"));
        assert!(email.html.contains("Åsa &amp; Co"));
    }
}
