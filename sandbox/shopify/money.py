"""Money: Decimal arithmetic, and the two wire formats (GraphQL unpadded, REST two decimals)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# The currencies the emulator's CurrencyCode enum knows (a subset of Shopify's ISO 4217 list).
SUPPORTED_CURRENCIES = frozenset(
    {
        "AED",
        "ARS",
        "AUD",
        "BGN",
        "BRL",
        "CAD",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CZK",
        "DKK",
        "EGP",
        "EUR",
        "GBP",
        "HKD",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "ISK",
        "JPY",
        "KRW",
        "MXN",
        "MYR",
        "NOK",
        "NZD",
        "PEN",
        "PHP",
        "PLN",
        "RON",
        "SAR",
        "SEK",
        "SGD",
        "THB",
        "TRY",
        "TWD",
        "UAH",
        "USD",
        "VND",
        "ZAR",
    }
)
ZERO = Decimal("0")


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def graphql_amount(amount: Decimal) -> str:
    """Shopify GraphQL money strings are unpadded: "15.0", "12.5", "12.34" [reference §1]."""
    text = format(to_cents(amount).normalize(), "f")
    return text if "." in text else text + ".0"


def rest_amount(amount: Decimal) -> str:
    """REST (and webhook) money strings always carry two decimals: "15.00"."""
    return format(to_cents(amount), "f")


@dataclass(frozen=True)
class MoneyBag:
    """One amount in the shop's currency and in the currency the customer saw."""

    shop: Decimal
    presentment: Decimal
    shop_currency: str
    presentment_currency: str

    def graphql(self) -> dict[str, dict[str, str]]:
        return {
            "shopMoney": {"amount": graphql_amount(self.shop), "currencyCode": self.shop_currency},
            "presentmentMoney": {
                "amount": graphql_amount(self.presentment),
                "currencyCode": self.presentment_currency,
            },
        }

    def rest(self) -> dict[str, dict[str, str]]:
        return {
            "shop_money": {"amount": rest_amount(self.shop), "currency_code": self.shop_currency},
            "presentment_money": {
                "amount": rest_amount(self.presentment),
                "currency_code": self.presentment_currency,
            },
        }

    def __add__(self, other: MoneyBag) -> MoneyBag:
        return MoneyBag(
            self.shop + other.shop,
            self.presentment + other.presentment,
            self.shop_currency,
            self.presentment_currency,
        )

    def __sub__(self, other: MoneyBag) -> MoneyBag:
        return MoneyBag(
            self.shop - other.shop,
            self.presentment - other.presentment,
            self.shop_currency,
            self.presentment_currency,
        )

    def scaled(self, numerator: int, denominator: int) -> MoneyBag:
        """A proportional share (e.g. the tax of 2 of 5 units), rounded to cents."""
        if denominator == 0:
            return self.zero_like()
        return MoneyBag(
            to_cents(self.shop * numerator / denominator),
            to_cents(self.presentment * numerator / denominator),
            self.shop_currency,
            self.presentment_currency,
        )

    def zero_like(self) -> MoneyBag:
        return MoneyBag(ZERO, ZERO, self.shop_currency, self.presentment_currency)


def money_v2(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": graphql_amount(amount), "currencyCode": currency}
