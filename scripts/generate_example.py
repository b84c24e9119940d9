#!/usr/bin/env python3
"""Generates the shipped example task examples/awesomeshoes/ (train/validation/test CSV).

AwesomeShoes Co. is a made-up shoe shop; the rows imitate the customer messages its
support team routes to intents. Usage:

    python3 scripts/generate_example.py --seed 7 --out examples/awesomeshoes

Python 3 standard library only, so it runs on a fresh Debian 12 with just `python3`.
Output is byte-identical for the same seed: all randomness comes from one
random.Random(seed), and only through its random() method (the float stream of the
Mersenne Twister is stable across Python versions, while helpers such as choice() or
sample() have changed between releases). Nothing iterates a set or depends on hash()
order, and timestamps count back from a fixed reference date, never from today.

How a row is made: for each intent a fixed number of rows per split (stratified); each
row gets a channel (mix depends on the intent), a timestamp (test rows skew recent), a
message kind (standard, keyword-only, rambling, mixed-intent, non-English-ish), then the
channel's writing style and, at a controlled rate, typos. Mixed-intent messages carry
the label of their primary ask (the request stated first / the one the customer wants
done); the other intent only appears as a secondary question or fallback. Those rows
(~5%) and the natural overlap between neighbouring intents (order status vs delivery,
returns vs refunds vs exchange) keep the task from being trivially separable.
"""

import argparse
import csv
import datetime
import os
import random
import re
import sys
import tempfile

REFERENCE_DATE = datetime.datetime(2026, 10, 31, 0, 0, 0, tzinfo=datetime.timezone.utc)
SPAN_DAYS = 548  # about 18 months of traffic before the reference date
COLUMNS = ["text", "intent", "channel", "created_at"]
SPLITS = ["train", "validation", "test"]
SPLIT_SHARE = {"train": 0.70, "validation": 0.15}  # test gets the rest

# Rows per intent (sum 3,000). Deliberately imbalanced: "where is my order" dominates
# real support queues, care questions are rare.
INTENT_ROWS = {
    "order_status": 520,
    "sizing_fit": 370,
    "shipping_delivery": 360,
    "returns": 330,
    "refunds": 300,
    "exchange": 240,
    "product_availability": 230,
    "payment": 200,
    "discounts_promotions": 180,
    "cancel_order": 170,
    "product_care": 100,
}
INTENTS = list(INTENT_ROWS)

CHANNELS = ["email", "chat", "social", "sms"]
# Channel weights per intent (email, chat, social, sms): urgent things go to chat and
# SMS, complaints and restock questions to social, long explanations to email.
CHANNEL_MIX = {
    "order_status": (25, 35, 15, 25),
    "sizing_fit": (25, 45, 15, 15),
    "shipping_delivery": (30, 35, 15, 20),
    "returns": (40, 30, 10, 20),
    "refunds": (40, 25, 20, 15),
    "exchange": (35, 35, 10, 20),
    "product_availability": (15, 30, 40, 15),
    "payment": (35, 40, 10, 15),
    "discounts_promotions": (15, 35, 35, 15),
    "cancel_order": (25, 40, 5, 30),
    "product_care": (45, 25, 25, 5),
}

# Probability of each message kind given the channel; "standard" takes the rest.
KIND_RATES = {
    #          keyword, rambling, mixed, foreign
    "email": (0.01, 0.20, 0.10, 0.0),
    "chat": (0.14, 0.05, 0.085, 0.010),
    "social": (0.05, 0.04, 0.065, 0.040),
    "sms": (0.17, 0.01, 0.065, 0.005),
}
TYPO_ROW_RATE = {"email": 0.10, "chat": 0.28, "social": 0.22, "sms": 0.32}
TYPO_WORD_RATE = 0.10
MAX_DUPLICATE_SHARE = 0.015  # exact repeats allowed within a split (keyword-only rows)


class Rng:
    """Draws everything from random.Random(seed).random() so results do not depend on
    how a Python release implements choice(), shuffle() or sample()."""

    def __init__(self, seed):
        self._random = random.Random(seed)

    def random(self):
        return self._random.random()

    def below(self, n):
        return min(int(self._random.random() * n), n - 1)

    def randint(self, low, high):
        return low + self.below(high - low + 1)

    def choice(self, seq):
        return seq[self.below(len(seq))]

    def chance(self, p):
        return self._random.random() < p

    def weighted(self, items, weights):
        r = self._random.random() * sum(weights)
        for item, weight in zip(items, weights):
            r -= weight
            if r < 0:
                return item
        return items[-1]


# ---------------------------------------------------------------------------------
# Slot values
# ---------------------------------------------------------------------------------

MODELS = [
    ("CloudRunner 3", ["Cloud Runner 3", "cloudrunners", "CR3", "Cloudrunner"]),
    ("TrailMax GTX", ["Trailmax", "TrailMax Gore-Tex", "trail max gtx"]),
    ("UrbanGlide", ["Urban Glide", "urbanglides"]),
    ("Stride Lite 2", ["StrideLite 2", "stride lites"]),
    ("PeakHiker Mid", ["Peak Hiker", "peakhikers"]),
    ("AeroSprint", ["Aero Sprint", "aerosprints"]),
    ("Coastal Slip-On", ["coastal slip ons", "Coastal slipons"]),
    ("Metro Derby", ["Metro Derbys", "metro derby"]),
    ("Alpine Boot WP", ["Alpine boots", "alpine WP"]),
    ("Harbor Loafer", ["harbor loafers", "Harbour Loafer"]),
    ("Court Classic", ["Court Classics", "court classic low"]),
    ("Breeze Sandal", ["Breeze sandals", "breeze slides"]),
    ("KidsJump", ["Kids Jump", "kidsjumps"]),
    ("Suede Chelsea", ["chelsea boots", "suede chelseas"]),
    ("Marathon Pro 5", ["Marathon Pro", "MP5"]),
    ("Everyday Knit", ["everyday knits", "knit runners"]),
    ("Summit 2 Waterproof", ["Summit 2 WP", "summit 2s"]),
    ("AS Retro 88", ["Retro 88", "retro 88s"]),
    ("Gravel King", ["gravel kings", "GravelKing"]),
    ("CloudRunner 3 Wide", ["CloudRunner wide", "CR3 wide"]),
]
COLOURS = ["black", "white", "navy", "olive", "sand", "grey", "triple black", "red",
           "cream", "forest green", "black/white", "tan", "burgundy", "sky blue",
           "charcoal", "off-white", "pink", "brown", "all white", "coral"]
CITIES = ["Austin", "Denver", "Chicago", "Seattle", "Boston", "Atlanta", "Portland",
          "Toronto", "Vancouver", "Leeds", "Manchester", "Bristol", "Glasgow", "London",
          "Dublin", "Berlin", "Munich", "Lyon", "Amsterdam", "Madrid", "Melbourne",
          "Auckland", "Phoenix", "Brooklyn", "Cardiff", "Calgary", "San Diego"]
COUNTRIES = ["Canada", "Ireland", "Germany", "Australia", "Mexico", "Norway",
             "Switzerland", "the UK", "France", "Japan", "New Zealand", "Iceland",
             "Puerto Rico", "Spain", "Poland"]
CARRIERS = ["UPS", "FedEx", "USPS", "DHL", "Royal Mail", "DPD", "Canada Post", "Evri",
            "GLS", "PostNL"]
PAYMENT_METHODS = ["Visa", "Mastercard", "Amex", "PayPal", "Apple Pay", "Google Pay",
                   "Klarna", "Afterpay", "debit card", "credit card", "gift card", "Shop Pay"]
PROMO_CODES = ["SPRING20", "WELCOME10", "STUDENT15", "BFCM30", "FREESHIP", "SHOES25",
               "SUMMER15", "RUNCLUB10", "VIP20", "HOLIDAY25", "NEWKICKS", "THANKYOU10",
               "FALL20", "BDAY15"]
PERCENTS = ["10", "15", "20", "25", "30", "40", "50"]
NAMES = ["Maria", "John D.", "Priya", "Tom", "Aisha Khan", "Sophie", "Liam O'Connor",
         "Dan", "Chen Wei", "Rachel", "Marco", "José", "Zoë", "Greg", "Fatima", "Kate M.",
         "Olu", "Hannah", "Mike", "Yuki", "Sarah & Ben", "Anna-Lena", "R. Patel",
         "Jess", "David", "Emily", "Karen", "Luis", "Noah", "Ingrid"]
ITEMS = ["shoes", "sneakers", "trainers", "boots", "runners", "pair", "shoes", "shoes"]
NUMBER_WORDS = ["two", "three", "four", "five", "six", "seven", "ten"]
DURATIONS = ["3 days", "4 days", "five days", "a week", "over a week", "8 days",
             "10 days", "two weeks", "2 weeks", "almost three weeks", "a month",
             "6 days", "nearly 2 weeks", "12 days"]
SEASONS = ["the fall", "winter", "summer", "next season", "the holidays", "spring"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _ordinal(day):
    if 10 <= day % 100 <= 20:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


class Slots:
    """Fills {slot} placeholders for one message. The same name gives the same value
    within the message ({model} twice is one model); {model2} is a different one."""

    def __init__(self, rng, created_at):
        self.rng = rng
        self.created_at = created_at
        self.values = {}
        self.currency = rng.choice(["$", "$", "£", "€"])

    def fill(self, template):
        return re.sub(r"\{(\w+)\}", lambda m: self.get(m.group(1)), template)

    def get(self, name):
        if name not in self.values:
            self.values[name] = self._make(name)
        return self.values[name]

    def _distinct(self, name, make):
        other = self.values.get(name[:-1]) if name.endswith("2") else None
        for _ in range(20):
            value = make()
            if value != other:
                return value
        return value

    def _make(self, name):
        rng = self.rng
        base = name.rstrip("2")
        if base == "order":
            def pick():
                fmt = rng.weighted(["#AS-{}", "AS-{}", "{}", "#{}", "AS{}", "order no. {}"],
                                   [35, 15, 25, 12, 8, 5])
                return fmt.format(rng.randint(100000, 999999))
            return self._distinct(name, pick)
        if base == "model":
            def pick():
                canonical, aliases = rng.choice(MODELS)
                return rng.choice(aliases) if rng.chance(0.18) else canonical
            return self._distinct(name, pick)
        if base == "size":
            return self._size(name)
        if base == "eu":
            return str(rng.randint(36, 46))
        if base == "colour":
            return self._distinct(name, lambda: rng.choice(COLOURS))
        if base == "city":
            return self._distinct(name, lambda: rng.choice(CITIES))
        if base == "country":
            return rng.choice(COUNTRIES)
        if base == "carrier":
            return rng.choice(CARRIERS)
        if base == "pay":
            return rng.choice(PAYMENT_METHODS)
        if base == "code":
            return rng.choice(PROMO_CODES)
        if base == "pct":
            return rng.choice(PERCENTS)
        if base == "n":
            return rng.choice(NUMBER_WORDS) if rng.chance(0.5) else str(rng.randint(2, 9))
        if base == "days":
            return rng.choice(DURATIONS)
        if base == "amount":
            return self._amount()
        if base == "date":
            return self._date(name)
        if base == "weekday":
            return rng.choice(WEEKDAYS)
        if base == "name":
            return rng.choice(NAMES)
        if base == "item":
            return rng.choice(ITEMS)
        if base == "cm":
            return f"{rng.randint(46, 61) / 2:.1f}"
        if base == "kidsize":
            return rng.choice(["kids 11", "kids 12", "youth 1", "youth 2", "toddler 9",
                               "toddler 10", "kids 13", "youth 3.5", "EU 31", "EU 28"])
        if base == "season":
            return rng.choice(SEASONS)
        raise KeyError(f"unknown slot {{{name}}}")

    def _size(self, name):
        # size2 is the next size up in the same system as size: the usual exchange.
        rng = self.rng
        if "size_sys" not in self.values:
            system = rng.weighted(["US", "EU", "UK"], [50, 30, 20])
            if system == "EU":
                value = float(rng.randint(36, 47))
            elif system == "US":
                value = rng.randint(10, 28) / 2.0
            else:
                value = rng.randint(6, 24) / 2.0
            self.values["size_sys"] = system
            self.values["size_val"] = value
        system = self.values["size_sys"]
        value = self.values["size_val"]
        if name == "size2":
            value += 1.0 if system == "EU" or rng.chance(0.4) else 0.5
        text = f"{value:g}"
        if system == "US":
            fmt = rng.weighted(["US {}", "{}", "size {}", "US{}", "{} US", "men's {}",
                                "women's {}"], [30, 25, 15, 8, 6, 10, 6])
        elif system == "EU":
            fmt = rng.weighted(["EU {}", "{}", "size {}", "EU{}", "{} EU"],
                               [40, 20, 20, 10, 10])
        else:
            fmt = rng.weighted(["UK {}", "UK{}", "size {} UK"], [60, 20, 20])
        return fmt.format(text)

    def _amount(self):
        rng = self.rng
        price = rng.choice([59.99, 74.95, 79.99, 89.0, 89.99, 94.5, 99.0, 109.99, 119.0,
                            129.95, 139.99, 149.0, 159.99, 179.0, 64.0, 45.5, 210.98,
                            189.9, 69.95])
        text = f"{price:.2f}" if rng.chance(0.7) else f"{price:g}"
        return f"{self.currency}{text}" if self.currency != "€" or rng.chance(0.5) \
            else f"{text} EUR"

    def _date(self, name):
        rng = self.rng
        back = rng.randint(1, 25) if name == "date" else -rng.randint(3, 30)
        day = (self.created_at - datetime.timedelta(days=back)).date()
        if 0 < back <= 6 and rng.chance(0.5):
            return WEEKDAYS[day.weekday()]
        style = rng.weighted(["md", "dm", "short", "us", "eu", "ord"], [30, 15, 15, 15, 10, 15])
        if style == "md":
            return f"{MONTHS[day.month - 1]} {day.day}"
        if style == "dm":
            return f"{day.day} {MONTHS[day.month - 1]}"
        if style == "short":
            return f"{MONTHS[day.month - 1][:3]} {day.day}"
        if style == "us":
            return f"{day.month}/{day.day}"
        if style == "eu":
            return f"{day.day:02d}/{day.month:02d}"
        return f"the {_ordinal(day.day)}"


# ---------------------------------------------------------------------------------
# Message content per intent
# ---------------------------------------------------------------------------------

# The request itself. Written as whole sentences; channel styles shorten them.
ASKS = {
    "order_status": [
        "Where is my order {order}?",
        "Can you tell me where my order {order} is?",
        "I placed an order on {date} and haven't heard anything since. What's the status?",
        "Has order {order} shipped yet?",
        "When will my {model} arrive? Order {order}.",
        "Any update on order {order}?",
        "My tracking hasn't updated in {n} days, is my order still coming?",
        "I still haven't received a shipping confirmation for {order}.",
        "Could you check the status of my order please? It's {order}.",
        "It's been {days} since I ordered and it still says processing.",
        "What does \"label created\" mean? My order {order} has said that for a week.",
        "Is there a tracking number for order {order}?",
        "Can you send me the tracking link for my order? I can't find the email.",
        "Order {order} - is it on its way?",
        "My order says \"preparing for dispatch\" since {date}, is something wrong?",
        "How long until my order ships? I ordered the {model} on {date}.",
        "I ordered the {model} in {colour} {days} ago and nothing yet. Where is it?",
        "Just checking on the status of {order}.",
        "When is order {order} expected to be delivered?",
        "The website says my order is in transit but the {carrier} link shows nothing.",
        "Can I get an ETA on my order {order}?",
        "Why hasn't my order shipped yet? It's been {days}.",
        "I'm waiting on two pairs, order {order}. Were they sent together or separately?",
        "My order status hasn't changed since {date}. Is it lost?",
        "I need to know if my {model} will arrive before {date2}.",
        "Did my order actually go through? I never got a confirmation email.",
        "Is my order {order} still processing? Nothing has moved.",
        "The tracking for {order} has been stuck on \"in transit\" for {days}.",
        "Has anything happened with my order? It was supposed to ship on {date}.",
        "Could you look up my order? I only have the number: {order}.",
        "Where's my stuff? Ordered {days} ago.",
        "My account shows no orders but I definitely bought the {model}. Can you find it?",
    ],
    "shipping_delivery": [
        "How much is shipping to {city}?",
        "Do you ship to {country}?",
        "How long does standard delivery take to {country}?",
        "Do you offer next-day delivery?",
        "Can I change the delivery address for order {order}? I'm moving to {city}.",
        "{carrier} says my parcel was delivered but it isn't here.",
        "The driver left my package at the wrong house.",
        "I missed the {carrier} delivery, how do I rearrange it?",
        "Is express shipping available for the {model}?",
        "Can you deliver to a {carrier} pickup point instead of my home?",
        "Do I have to pay customs or import duties on orders to {country}?",
        "Is shipping free over a certain amount?",
        "Can I choose a delivery date? I'm away until {date2}.",
        "My parcel has been stuck at the {carrier} depot in {city} for {days}.",
        "The tracking shows my parcel going to {city}, which is not where I live.",
        "Can I pick up my order at the {city} store instead of having it shipped?",
        "Which courier do you use for deliveries to {country}?",
        "Can you ship to a PO box?",
        "I need the {model} by {date2}, which shipping option should I pick?",
        "The delivery was marked as attempted but I was home all day and nobody knocked.",
        "Do you ship to APO/FPO addresses?",
        "The parcel was signed for by someone I don't know.",
        "Can the courier leave my parcel with a neighbour if I'm out?",
        "The box arrived ripped open and one shoe is missing.",
        "I typed my address wrong at checkout, the flat number is missing. Can you fix it before delivery?",
        "How much does express shipping cost?",
        "The {carrier} driver says the address doesn't exist but it's correct.",
        "Do you deliver on weekends?",
        "My parcel was returned to sender, can you send it out again?",
        "Is there a way to get it delivered to my office in {city} instead?",
        "What are the shipping options to {country} and how long do they take?",
    ],
    "sizing_fit": [
        "What size should I get in the {model}? I'm usually a {size}.",
        "Do the {model} run true to size?",
        "Are the {model} good for wide feet?",
        "Where can I find your size chart?",
        "I'm between a {size} and a {size2}, which one should I order?",
        "Do you make the {model} in a wide fit?",
        "How does the {model} fit compared to the {model2}?",
        "Is your EU 42 the same as a US 9?",
        "My foot measures {cm} cm, what size is that in your shoes?",
        "I have high arches and a narrow heel, will the {model} fit me?",
        "Do the {model} stretch over time or should I size up?",
        "Are these unisex sizes? I'm a women's 8.",
        "Should I size up in hiking boots if I wear thick socks?",
        "The {model} in {size} feel tight in the toe box. Is that normal for the first few wears?",
        "What's the difference between your regular and wide fit?",
        "Do the {model} come in half sizes or should I round up?",
        "My daughter is a {kidsize}, which size in the KidsJump?",
        "How much room should there be at the toe?",
        "Is the {model} narrow? I normally wear a {size} in Nike.",
        "Which size in the {model} if I'm a {size} in Adidas?",
        "I have a {size} in the {model2} and it fits perfectly. Same size in the {model}?",
        "Do the {model} fit small? Reviews say go up half a size.",
        "How do I measure my foot to pick the right size?",
        "Is the sizing on your site US or UK?",
        "I wear orthotics, do I need a bigger size in the {model}?",
        "How does {size} convert to the other size systems on your chart?",
        "Do your women's sizes run smaller than men's?",
        "Does the {model} have enough room for a bunion?",
        "My heel slips out of the {model} when I walk, should I have gone down a size?",
        "Would you recommend the {model} for someone with flat feet who is a {size}?",
    ],
    "returns": [
        "How do I return my {model}?",
        "What's your return policy?",
        "Can I still return shoes I bought {days} ago?",
        "I need a return label for order {order}.",
        "Can I return the {model} if I've worn them outside once?",
        "Where do I drop off my return?",
        "Do I have to pay for return shipping?",
        "Can I return an online order to the {city} store?",
        "I lost the original box, can I still send them back?",
        "I want to return the {model}, they just aren't for me.",
        "How do I start a return? The link in the email doesn't work.",
        "Can I return only one pair from order {order}?",
        "The return label you sent is for {carrier} but there's no {carrier} near me.",
        "Is there a deadline for returning sale items?",
        "I sent my return back on {date}. Did you receive it?",
        "The {model} were a gift, can my friend return them without a receipt?",
        "Please send me a prepaid return label.",
        "I'd like to return these, they're not what I expected.",
        "How many days do I have to return shoes?",
        "Can I return shoes bought with a discount code?",
        "I'd like to send back order {order}, how does that work?",
        "Do you accept returns on worn running shoes under your trial policy?",
        "Can I return items from an international order?",
        "My return label expired before I could use it, can you send a new one?",
        "Do I need to print the return label or is there a QR code?",
        "What condition do the shoes need to be in for a return?",
        "The {model} don't match the photos at all. I want to send them back.",
        "Can I return shoes bought in the {city} outlet online?",
        "The return portal says my order {order} is \"not eligible\". Why?",
    ],
    "refunds": [
        "Where is my refund?",
        "I returned my order {days} ago and still no refund.",
        "When will I get my money back for order {order}?",
        "How long do refunds take to show up on my {pay}?",
        "You refunded {amount} but I paid more than that, why the difference?",
        "Can the refund go to a different card? My old {pay} was cancelled.",
        "My return was marked as received on {date}, but the refund hasn't come through.",
        "Do I get a refund for the shipping cost too?",
        "Can I get store credit instead of a refund to my card?",
        "Your agent promised me a refund last week and nothing has happened.",
        "The refund email says processed but my bank shows nothing.",
        "Will I be refunded the full amount or is there a restocking fee?",
        "I want a refund for the {model}, the sole came off after {n} weeks.",
        "What's the refund status for {order}?",
        "My order was cancelled but I haven't been refunded yet.",
        "I paid with {pay}, how will I get refunded?",
        "I only got a partial refund for {order}. Where's the rest?",
        "Can you confirm the refund amount for my return?",
        "It's been {days} since you got my return, please refund me.",
        "I was told refunds take 5 business days. It's been {days}.",
        "Can you send me proof of the refund so I can show my bank?",
        "I'd like my money back for the {model}, please process the refund.",
        "Why was my refund declined?",
        "The refund went to my gift card balance instead of my {pay}.",
        "Still no refund for order {order}. This is getting frustrating.",
        "How do I get reimbursed for the return postage I paid?",
    ],
    "exchange": [
        "Can I exchange my {model} for a {size2}?",
        "I'd like to swap the {colour} pair for {colour2}.",
        "The {size} is too small, can I get a {size2} instead?",
        "How do exchanges work? Do I need to return first and reorder?",
        "Can I exchange them for a different model? I'd prefer the {model2}.",
        "Is there a fee to exchange for another size?",
        "I want to swap order {order} for a half size bigger.",
        "Can you send the bigger size before I send these back?",
        "Exchange {size} for {size2} please, order {order}.",
        "You sent me the wrong size, I'd like to exchange them for the {size} I ordered.",
        "Can I exchange sale shoes?",
        "My exchange for {order} has been pending for a week.",
        "Do exchanges ship as fast as a new order?",
        "They fit but I hate the colour. Can I trade them for the {colour2} ones?",
        "Can I exchange the {model} for the same shoe in wide?",
        "The left shoe is a {size} and the right one a {size2}, can you swap the pair?",
        "I'd like to exchange the {model} I got as a gift for a different size.",
        "Could I swap my {model} for the {model2} and pay the difference?",
        "How do I request a size exchange online?",
        "My {model} are too big, can I switch to a {size} please?",
        "Can I exchange shoes bought in store for a different size online?",
        "I need a size up in the {model}, can we do an exchange?",
        "Is it possible to exchange for a different colour if the size stays the same?",
        "If I exchange, do I need a new return label?",
    ],
    "product_availability": [
        "Is the {model} in {colour} back in stock?",
        "When will you restock the {model} in {size}?",
        "Do you have the {model} in {size}?",
        "Is the {model} available in the {city} store?",
        "Will the {model} come back in {colour}?",
        "Do you have half sizes in the {model}?",
        "Is the {model} being discontinued?",
        "Can you notify me when the {model} in {size} is available?",
        "The {model} shows \"sold out\" in every size. Are you getting more?",
        "When does the new {model} drop?",
        "Do you sell replacement insoles for the {model}?",
        "Is the {model} available in kids' sizes?",
        "Will you have the {model} in {colour} again for {season}?",
        "Can I preorder the {model}?",
        "Why does the app say in stock but checkout says unavailable?",
        "Do you still make the {model2}? I can't find it on the site anymore.",
        "Does any store near {city} have the {model} in stock?",
        "Are there any {model} left in {colour}?",
        "I signed up for the restock alert on the {model} weeks ago, any news?",
        "Do you carry the {model} in a wide width?",
        "Is the {colour} {model} limited edition or will it be restocked?",
        "When is the next restock for sizes above {size}?",
        "Do you sell spare laces for the {model}?",
        "Will the {model} be available in Europe?",
        "Is the {model} only sold online?",
        "Are you bringing back the old {model2}?",
    ],
    "payment": [
        "My card keeps getting declined at checkout.",
        "I was charged twice for order {order}.",
        "Do you accept {pay}?",
        "Can I pay in instalments with Klarna?",
        "My payment failed but the money left my account.",
        "Why is there a pending charge of {amount} on my card?",
        "Can I get a VAT invoice for order {order}?",
        "How do I use a gift card together with my credit card?",
        "My {pay} payment is stuck on processing.",
        "The checkout won't accept my billing postcode.",
        "Can I change the payment method on my order?",
        "Your site charged me in USD instead of EUR.",
        "The 3D Secure code never arrives so I can't complete the payment.",
        "I got an email saying my payment was unsuccessful, but my bank says it went through.",
        "Is it safe to save my card details on your site?",
        "Afterpay approved my purchase but your site says the payment failed.",
        "I see two charges from AwesomeShoes on my statement, one of {amount}.",
        "Can I pay with two different cards?",
        "My gift card balance isn't showing at checkout.",
        "Why was I charged {amount} when the total said less?",
        "Do you take cash on delivery?",
        "Apple Pay doesn't show up as an option on the app.",
        "I need a receipt with my company name on it for expenses.",
        "My bank flagged your payment as suspicious, what should I do?",
        "The payment page just spins and times out.",
        "Is there a way to pay by bank transfer?",
    ],
    "cancel_order": [
        "Please cancel my order {order}.",
        "I need to cancel order {order}.",
        "How do I cancel an order?",
        "Can I still cancel if it's already shipped?",
        "I placed the order by mistake, please cancel it.",
        "Cancel order {order} asap please.",
        "I ordered twice by accident, please cancel one of them: {order}.",
        "Can I cancel just one item from my order?",
        "Is it too late to cancel {order}? I placed it an hour ago.",
        "I found them cheaper elsewhere, please cancel my order.",
        "There's no cancel button in my account, how do I cancel?",
        "Please stop my order from shipping, I don't need it anymore.",
        "I want to cancel my preorder for the {model}.",
        "You said the order would ship in 3 days and it's been {days}. Just cancel it.",
        "Can you cancel {order}? I changed my mind.",
        "Please cancel the {model} from my order, keep the rest.",
        "I want to cancel my order and order a different colour instead.",
        "How long do I have to cancel after placing an order?",
        "Cancel my order please, I used the wrong address.",
        "I'd like to cancel the order I placed this morning.",
        "Can you confirm my order {order} has been cancelled?",
    ],
    "discounts_promotions": [
        "My code {code} isn't working.",
        "Do you have a student discount?",
        "Is there a discount for first orders?",
        "The {pct}% off wasn't applied at checkout.",
        "When is your next sale?",
        "Can I use two discount codes on one order?",
        "I bought the {model} on {date} and now it's {pct}% off. Can I get the difference back?",
        "Do you offer a military or NHS discount?",
        "Where do I enter the promo code in the app?",
        "My loyalty points disappeared from my account.",
        "The Black Friday deal says {pct}% off but my cart shows full price.",
        "Is {code} still valid?",
        "Do you price match?",
        "I signed up for the newsletter but never got my welcome code.",
        "Does the sale include the {model}?",
        "My free shipping code isn't working.",
        "Do you do discounts for running clubs?",
        "The code {code} says expired but the email says it's valid until the end of the month.",
        "How do I use my loyalty points?",
        "Are there any coupons for the {model}?",
        "Can I get the sale price on an order I placed yesterday?",
        "Do you have a birthday discount?",
        "Is the {pct}% off for members on everything or just selected styles?",
        "Can I stack my gift card with a promo code?",
        "I have a referral code from a friend but it doesn't apply.",
    ],
    "product_care": [
        "How do I clean my {model}?",
        "Can I put the {model} in the washing machine?",
        "What's the best way to clean white soles?",
        "How do I get a stain out of suede?",
        "How do I waterproof my {model}?",
        "My {model} smell, how can I freshen them up?",
        "Should I use a special spray on the TrailMax GTX?",
        "How should I dry my shoes after they got soaked?",
        "What should I use on the leather to stop it cracking?",
        "How should I store my boots over the summer?",
        "Can I use bleach on white {model}?",
        "Is it okay to use a magic eraser on the midsole?",
        "My {model} got salt stains this winter, how do I get them off?",
        "How often should I re-waterproof hiking boots?",
        "The nubuck has gone flat and shiny. Can it be brushed back?",
        "How do I get grass stains off the knit upper?",
        "Can I wash the insoles?",
        "What's the best way to break in leather boots without damaging them?",
        "Which cleaner do you recommend for the {colour} suede?",
        "How do I stop the {model} from creasing?",
        "How do I clean mud out of the TrailMax soles?",
        "Is it safe to put my {model} near a radiator to dry?",
    ],
}

# Situations that set up the ask; some are shared by several intents on purpose.
CONTEXTS = {
    "order_status": [
        "I ordered the {model} in {size} on {date}.",
        "I need them for a trip on {date2}.",
        "The confirmation email said 3-5 business days.",
        "I ordered a pair of {model} for my son's birthday.",
        "I got the order confirmation but nothing after that.",
        "I paid for express shipping.",
        "My friend ordered the same day and already got hers.",
    ],
    "shipping_delivery": [
        "I ordered the {model} on {date}.",
        "I live in a building without a concierge.",
        "I'm travelling to {city} next week.",
        "The tracking number is from {carrier}.",
        "I live in {country}.",
        "I'm at work during the day.",
        "I've just moved house.",
    ],
    "sizing_fit": [
        "I usually wear a {size} but my last pair from you was a bit snug.",
        "I have wide feet and a bunion on my left foot.",
        "I wear orthotic insoles.",
        "I'm buying these for my husband as a surprise.",
        "I run about 30 miles a week.",
        "I'm planning to order the {model} in {colour}.",
        "I've never bought from you before.",
    ],
    "returns": [
        "I ordered the {model} in {size} on {date}.",
        "I bought these as a gift and they weren't right.",
        "I've only tried them on indoors.",
        "They still have the tags on.",
        "I ordered two sizes to compare.",
        "They arrived on {date}.",
        "The colour looks different in person.",
    ],
    "refunds": [
        "I sent the return back on {date} with {carrier}.",
        "{carrier} shows my return was delivered to your warehouse.",
        "I paid {amount} with my {pay}.",
        "My return was accepted according to your email.",
        "I returned the {model} because they didn't fit.",
        "I'm a student and really need that money.",
        "I already returned them in the {city} store.",
    ],
    "exchange": [
        "I ordered the {model} in {size} on {date}.",
        "They're a bit too tight at the toes.",
        "I love the shoes but the size is wrong.",
        "My partner picked the colour and I'm not a fan.",
        "I only wore them around the house.",
        "They arrived on {date}.",
        "I ordered my usual size but they came up small.",
    ],
    "product_availability": [
        "I've been waiting for the {model} for months.",
        "My old pair of {model} finally wore out.",
        "I saw them on Instagram last week.",
        "I need a {size}.",
        "The website only shows sizes up to 10.",
        "A friend got them in {colour} and I love them.",
        "I'm in {city}.",
    ],
    "payment": [
        "I tried to order the {model} on {date}.",
        "I'm using my {pay}.",
        "I've tried three times now.",
        "My bank says there's nothing wrong on their side.",
        "The order total was {amount}.",
        "I'm ordering from {country}.",
        "I checked my statement this morning.",
    ],
    "cancel_order": [
        "I ordered the {model} in {size} on {date}.",
        "I ordered the wrong colour.",
        "I just placed an order a few minutes ago.",
        "My plans changed and I won't need them.",
        "I found the same shoes in the {city} store.",
        "I ordered the wrong size by accident.",
        "It's been {days} and it still hasn't shipped.",
    ],
    "discounts_promotions": [
        "I got an email about the sale this morning.",
        "I'm a student at the University of {city}.",
        "I'm trying to order the {model}.",
        "I saw an ad on Instagram for {pct}% off.",
        "I've been a member for two years.",
        "My cart total is {amount}.",
        "I ordered the {model} on {date}.",
    ],
    "product_care": [
        "I bought the {model} in {colour} on {date}.",
        "I wear them every day to work.",
        "I got caught in the rain on my way home.",
        "I walk my dog in them on muddy trails.",
        "They're my favourite pair.",
        "The care card that came in the box got thrown away.",
        "I spilled coffee on them this morning.",
    ],
}

# Detail after the ask, mostly in emails; shared across intents.
DETAILS = [
    "My order number is {order}.",
    "Order number: {order}.",
    "The order was placed under my email address.",
    "I can send photos if that helps.",
    "I'm happy to call if that's easier.",
    "It was the {model} in {colour}, {size}.",
    "I've attached the confirmation email.",
    "My postcode hasn't changed.",
    "Please let me know as soon as possible.",
    "I'd appreciate a quick answer.",
]

# Irrelevant context for rambling messages.
FILLER = [
    "I've been buying from you since 2019 and I love the brand.",
    "These were meant to be a birthday present for my husband, who runs every morning before work.",
    "Honestly it's been a crazy week, the kids are sick and my car broke down.",
    "My sister recommended your shop after she bought the TrailMax for her trip to Peru.",
    "I'm training for my first half marathon in {city} so shoes are a big deal right now.",
    "Sorry for the long message, I'm not great at these things.",
    "I tried calling but the line was busy for 40 minutes.",
    "I'm writing this on my lunch break so excuse any typos.",
    "I've told all my friends about your shoes, they're the only ones that don't hurt my knees.",
    "Last time I ordered from you everything went perfectly, so this is a bit unusual.",
    "I'm a nurse and on my feet 12 hours a day, so comfortable shoes matter a lot to me.",
    "We're moving house next month, so everything is a bit chaotic.",
    "I saw your post about the new colours and got very excited.",
    "The weather here in {city} has been awful lately.",
    "My old pair lasted four years, which is why I came back.",
    "I did look through the FAQ first but couldn't find an answer.",
    "I'm not very good with computers, so bear with me.",
    "We're going on holiday to {country} soon.",
    "Anyway, I don't want to take up too much of your time.",
    "Your shoes got me through a whole season of hiking last year.",
    "I also got a lovely note in my last parcel, thank you for that.",
]

# Filler that only makes sense in an email.
EMAIL_FILLER = [
    "My daughter says I should just use the chat but I prefer email.",
    "I tried the chat on your website but it kept disconnecting.",
    "I'm emailing because I don't use social media.",
]

# Intents whose context sentences plausibly precede this intent's ask. Borrowing them
# is how real messages mix vocabulary ("I returned them... can I get a bigger size?"),
# and it keeps a bag-of-words model from keying on the context alone.
NEIGHBOURS = {
    "order_status": ["shipping_delivery", "cancel_order", "payment"],
    "shipping_delivery": ["order_status", "returns"],
    "sizing_fit": ["exchange", "product_availability", "returns"],
    "returns": ["refunds", "exchange", "sizing_fit"],
    "refunds": ["returns", "cancel_order", "payment"],
    "exchange": ["returns", "sizing_fit", "product_availability"],
    "product_availability": ["sizing_fit", "discounts_promotions"],
    "payment": ["order_status", "discounts_promotions"],
    "cancel_order": ["order_status", "payment", "refunds"],
    "discounts_promotions": ["payment", "product_availability", "order_status"],
    "product_care": ["returns", "product_availability"],
}
BORROWED_CONTEXT_RATE = 0.35

# Very short, keyword-only messages; these may repeat naturally.
KEYWORDS = {
    "order_status": ["order status", "where is my order", "track order", "tracking",
                     "tracking number", "order {order}", "status of {order}",
                     "wheres my order", "order update", "{order} status", "track my package"],
    "shipping_delivery": ["shipping cost", "delivery time", "international shipping",
                          "shipping to {country}", "express delivery", "change address",
                          "missed delivery", "free shipping?", "delivery options",
                          "ship to {country}?", "parcel not delivered"],
    "sizing_fit": ["size chart", "size guide", "sizing", "what size", "true to size?",
                   "wide fit", "size help {model}", "{model} sizing", "fit question",
                   "size conversion"],
    "returns": ["return", "returns", "return label", "return policy", "how to return",
                "start a return", "return {order}", "returns address", "send back"],
    "refunds": ["refund", "refund status", "where is my refund", "money back",
                "refund {order}", "refund?", "still no refund", "refund not received"],
    "exchange": ["exchange", "exchange size", "swap size", "size exchange",
                 "exchange for bigger size", "exchange {model}", "swap colour",
                 "exchange {order}"],
    "product_availability": ["in stock?", "restock", "{model} restock", "{model} in stock?",
                             "back in stock?", "sold out", "availability",
                             "{model} {colour} available?", "restock date"],
    "payment": ["payment failed", "card declined", "charged twice", "klarna", "paypal?",
                "payment issue", "double charge", "invoice {order}", "payment error"],
    "cancel_order": ["cancel", "cancel order", "cancel my order", "cancel {order}",
                     "cancellation", "cancel pls", "cancel order {order}"],
    "discounts_promotions": ["discount code", "promo code", "student discount", "{code}",
                             "sale?", "coupon not working", "{code} not working",
                             "any discounts", "promo code invalid"],
    "product_care": ["cleaning", "how to clean", "waterproofing", "suede care",
                     "care instructions", "washing machine?", "clean {model}",
                     "shoe cleaner"],
}

# Short secondary asks appended after a primary ask in mixed-intent messages.
SECONDARY = {
    "order_status": ["any update on my other order {order2}?", "where's my other order by the way?",
                     "has my last order shipped yet?"],
    "shipping_delivery": ["do you ship to {country}?", "how much is express shipping?",
                          "can it be delivered to my work address?"],
    "sizing_fit": ["do the {model2} run small?", "is there a size chart somewhere?",
                   "should I size up in the {model2}?"],
    "returns": ["what's your return policy?", "how long do I have to return things?",
                "can I return them in store?"],
    "refunds": ["I'm still waiting on a refund from last month too.",
                "when do refunds usually arrive?"],
    "exchange": ["can I swap the colour later if I don't like it?",
                 "could I exchange them if they don't fit?"],
    "product_availability": ["is the {model2} back in stock yet?",
                             "will the {model2} come in {colour2}?"],
    "payment": ["can I pay with {pay}?", "why was my card charged twice last time?",
                "do you take Klarna?"],
    "cancel_order": ["can I still cancel my other order if I need to?"],
    "discounts_promotions": ["do you have a student discount?", "is there a code for first orders?",
                             "when's the next sale?"],
    "product_care": ["how do I keep them clean?", "can they go in the wash?",
                     "do they need waterproofing?"],
}
# Marks the primary ask when the customer puts it second.
MAIN_MARKERS = [" But the main thing is: ", " Mainly though: ", " What I really need to know: ",
                " Most importantly, ", " But my actual question: "]
CONNECTORS = [" Also, ", " Oh and ", " Btw ", " P.S. ", " One more thing: ", " And ",
              " Also ", " Quick other question: ", " Oh, and "]

# Hand-written mixed-intent messages, labelled by their primary ask.
MIXED = {
    "exchange": [
        "The {model} are too small, can I swap them for a {size2} or just get my money back?",
        "The {size} pinches at the toe. Can I exchange for a {size2}? If not, I'd like a refund.",
        "Can I exchange these for the {model2}? If you don't have it in {size} I'll return them.",
        "Can you change the size on order {order} to {size2}? If it's too late, cancel it.",
        "They're too big. Swap for a {size} please, or tell me how to send them back.",
    ],
    "refunds": [
        "These don't fit. I'd rather have a refund than an exchange, how do I get my money back?",
        "My refund went to my old card which is closed. What happens to the money now?",
        "I returned the {model} instead of exchanging them because you had no {size2}. When is my refund coming?",
        "Cancelled order {order} two weeks ago and the money still isn't back on my card.",
        "The {pct}% code didn't work so I returned everything. Where's my refund?",
    ],
    "returns": [
        "How do I send back the {model} and how long until the money is back on my card?",
        "I want to return these. Maybe I'll buy a different size later, but for now just the return please.",
        "Can I return the {model}? I tried cleaning a mark off and now there's a faded patch.",
        "I'd like to return the {model}, and will I get the shipping cost back too?",
        "How do I return part of order {order}? The other pair I might exchange.",
    ],
    "sizing_fit": [
        "Do the {model} run small? If so, do you have a {size2} in stock?",
        "I'm a {size} in most brands but the {model} feel huge. What size do people usually take? I might exchange.",
        "Should I size down in the {model}? I want to order before the sale ends.",
        "What size is best in the {model} for wide feet? And can I return them if they don't fit?",
    ],
    "product_availability": [
        "Do you have the {model} in {size}? I'm usually a {size2} but I hear they run small.",
        "When will the {model} in {colour} be back, and can you ship it express when it is?",
        "Is the {model} back in stock? I want to exchange my current pair for it.",
        "Any {model} left in {size}? I'd cancel my other order if so.",
    ],
    "cancel_order": [
        "Please cancel order {order} and refund me to my {pay}.",
        "Cancel my order {order}, I picked the wrong size. Or can you just change it to {size2}?",
        "If {order} hasn't shipped yet please cancel it, it's been {days}.",
        "Please cancel {order}, I'll reorder with my student discount.",
        "I want to cancel the order because the payment went through twice.",
    ],
    "order_status": [
        "Has {order} shipped yet? If not I might want to cancel.",
        "Where is my order {order}? Also can it be delivered to my work address instead?",
        "My payment went through but I never got an order confirmation. Did the order actually go through?",
        "Is my order on its way? I need to know whether to return the ones I bought in store.",
        "My order {order} hasn't moved in a week, what's going on? Should I ask for a refund?",
    ],
    "shipping_delivery": [
        "{carrier} says delivered but I have nothing. Order {order}, can you check?",
        "How fast can you ship to {city}? And is the {model} actually in stock?",
        "The parcel came back to you because the address was wrong. Can you resend it, or should I cancel?",
        "My order {order} is stuck at customs in {country}, do I have to pay the import fees?",
    ],
    "payment": [
        "I was charged twice for {order}, please refund the duplicate payment.",
        "My card was declined three times, then it worked and now I have 3 orders. Please fix the charges.",
        "Payment failed but I got an order confirmation anyway. Will I be charged or is the order off?",
        "Can I pay with PayPal? My discount code only works on card orders apparently.",
    ],
    "discounts_promotions": [
        "My code {code} didn't apply and I was charged the full {amount}. Can you apply the discount?",
        "I forgot to use my {code} code. Can you apply it, or do I need to cancel and reorder?",
        "The {model} went on sale the day after they arrived. Can you refund the difference?",
        "Is the {pct}% off still on? I want to buy a second pair before I return the first.",
    ],
    "product_care": [
        "The suede on my {model} stained after one wear. How do I clean it, or should I just return them?",
        "How do I get the smell out of my {model}? If nothing works can I exchange them?",
        "Can I waterproof the {model}, or should I have bought the TrailMax GTX instead?",
    ],
}

# Non-English or code-mixed messages (mostly social), hard for an English-trained model.
FOREIGN = {
    "order_status": ["hola, mi pedido {order} todavía no llega 😩 where is it??",
                     "Bonjour, où est ma commande {order} ? thanks",
                     "hallo, wo ist meine Bestellung {order}? bitte update",
                     "olá, meu pedido ainda não chegou, {order}"],
    "refunds": ["hola, cuándo recibo mi reembolso? ya devolví los zapatos",
                "Bonjour, je n'ai toujours pas reçu mon remboursement pour {order}",
                "wann bekomme ich mein Geld zurück? Rücksendung war am {date}"],
    "sizing_fit": ["qué talla me recomiendan para las {model}? normalmente uso {eu}",
                   "welche Größe beim {model}? ich trage sonst {eu}",
                   "quelle taille pour les {model}? je fais du {eu}"],
    "product_availability": ["tienen las {model} en {eu}? 🙏", "{model} en talla {eu} disponible?",
                             "gibt es den {model} wieder in {eu}?"],
    "returns": ["cómo hago una devolución? 🙃", "comment retourner mes chaussures?",
                "wie kann ich die Schuhe zurückschicken?"],
    "exchange": ["puedo cambiar la talla? me quedan chicos", "kann ich die Größe umtauschen? {eu} statt {eu2}",
                 "je voudrais échanger pour une pointure au-dessus"],
    "cancel_order": ["quiero cancelar mi pedido {order} por favor", "bitte Bestellung {order} stornieren"],
    "payment": ["mi tarjeta fue rechazada, pero me cobraron 🤬", "paiement refusé, pourquoi?"],
    "shipping_delivery": ["hacen envíos a México? cuánto cuesta?", "liefert ihr nach Österreich?"],
    "discounts_promotions": ["el código {code} no funciona 😤", "gibt es einen Studentenrabatt?"],
    "product_care": ["cómo limpio las {model} de ante?", "wie imprägniere ich die {model}?"],
}

# ---------------------------------------------------------------------------------
# Channel styles
# ---------------------------------------------------------------------------------

EMAIL_GREETINGS = ["Hi,", "Hello,", "Hi there,", "Dear AwesomeShoes team,", "Dear Sir/Madam,",
                   "Good morning,", "Hello AwesomeShoes,", "Hi team,", "To whom it may concern,",
                   "Good afternoon,", "Hey,", "Dear Customer Service,"]
EMAIL_OPENERS = ["I hope you're well.", "I hope this email finds you well.",
                 "Sorry to bother you.", "I'm writing about a recent order.",
                 "I wonder if you can help me.", "Quick question for you."]
EMAIL_CLOSERS = ["Thanks in advance.", "Thank you so much for your help!",
                 "I really appreciate it.", "Looking forward to hearing from you.",
                 "Many thanks.", "Thanks for your time.", "Any help would be appreciated."]
EMAIL_SIGNOFFS = ["Kind regards,", "Best,", "Thanks,", "Best regards,", "Cheers,", "Regards,",
                  "Many thanks,", "Warm wishes,", "Thank you,"]
CHAT_OPENERS = ["hi", "hello", "hey", "hi there", "Hi!", "hello?", "hey there", "good morning",
                "hiya", "Hi, quick question"]
SOCIAL_EMOJI = {
    "upset": ["😡", "😤", "🙄", "😩", "😭", "💔", "🤬", "😒", "⏳"],
    "happy": ["😍", "👟", "🔥", "🙏", "❤️", "✨", "🥰", "👀", "🤞", "🏃‍♀️", "🏔️"],
    "neutral": ["🤔", "🙏", "👟", "📦", "❓", "🤷"],
}
INTENT_MOOD = {
    "order_status": "upset", "shipping_delivery": "upset", "refunds": "upset",
    "payment": "upset", "cancel_order": "upset", "returns": "neutral", "exchange": "neutral",
    "sizing_fit": "neutral", "product_availability": "happy",
    "discounts_promotions": "happy", "product_care": "neutral",
}
HASHTAGS = {
    "upset": ["#customerservice", "#fail", "#stillwaiting", "#notimpressed", "#help",
              "#awesomeshoes"],
    "happy": ["#sneakerhead", "#newkicks", "#restock", "#running", "#awesomeshoes", "#sale",
              "#hiking", "#shoegame"],
    "neutral": ["#help", "#question", "#awesomeshoes", "#running", "#shoes"],
}
SOCIAL_TAILS = {"upset": ["DM'd you too.", "Sort it out please.", "Still waiting...",
                          "Not happy.", "Anyone?"],
                "happy": ["Need them!!", "Pls say yes", "can't wait", "love these"],
                "neutral": ["Thanks!", "Anyone know?", "pls help", "ty"]}
UPSET_ADDONS = ["This is ridiculous.", "Really disappointed.", "Not impressed so far.",
                "I'm getting really frustrated.", "This is the third time I've asked.",
                "Please sort this out today."]

# Word-level abbreviations for SMS (and sometimes chat).
SMS_ABBREV = [
    (r"\byou\b", "u"), (r"\byour\b", "ur"), (r"\bplease\b", "pls"), (r"\bthanks\b", "thx"),
    (r"\bthank you\b", "ty"), (r"\btomorrow\b", "tmrw"), (r"\bbecause\b", "bc"),
    (r"\breceived\b", "rcvd"), (r"\bwith\b", "w/"), (r"\babout\b", "abt"),
    (r"\bI am\b", "im"), (r"\bI'm\b", "im"), (r"\bdon't\b", "dont"), (r"\bcan't\b", "cant"),
    (r"\bit's\b", "its"), (r"\bwhat's\b", "whats"), (r"\bare\b", "r"), (r"\bnumber\b", "no"),
    (r"\bbefore\b", "b4"), (r"\btoday\b", "2day"), (r"\bweek\b", "wk"), (r"\bdays\b", "dys"),
    (r"\bshipping\b", "shpping"), (r"\bhaven't\b", "havent"),
    (r"\border\b", "ord"),
]
SMS_ABBREV_RATE = 0.55

# Paraphrase substitutions applied to asks, each with its own probability per message.
PARAPHRASES = [
    (r"^Can you ", ["Could you ", "Would you be able to ", "Can u ", "Is it possible to "]),
    (r"^Can I ", ["Could I ", "Is it possible to ", "Am I able to ", "Can i "]),
    (r"^How do I ", ["How can I ", "What's the way to ", "How would I ", "how do i "]),
    (r"^I'd like to ", ["I want to ", "I would like to ", "I wanna ", "Id like to "]),
    (r"^I want to ", ["I'd like to ", "I need to ", "I would like to "]),
    (r"^Do you ", ["Do u ", "Do you guys ", "Does AwesomeShoes "]),
    (r"^Please ", ["Pls ", "Kindly ", "Could you please "]),
    (r"\bshoes\b", ["sneakers", "trainers", "shoes"]),
    (r"\bparcel\b", ["package", "parcel", "box"]),
    (r"\bWhere is\b", ["Where's", "Where is"]),
    (r"\bI haven't\b", ["I have not", "I've not", "I haven't"]),
]
COMMON_MISSPELLINGS = {
    "receive": "recieve", "received": "recieved", "address": "adress",
    "definitely": "definately", "separately": "seperately", "tomorrow": "tommorow",
    "until": "untill", "necessary": "neccessary", "really": "realy", "which": "wich",
    "weird": "wierd", "refund": "refnd", "cancel": "cancle", "exchange": "exhange",
    "delivery": "delivary", "waterproof": "water proof", "sneakers": "sneekers",
    "guarantee": "garantee", "available": "availible", "tracking": "traking",
}
KEYBOARD_NEIGHBOURS = {
    "a": "sqwz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wrsd", "f": "drtgvc",
    "g": "ftyhbv", "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop",
    "m": "njk", "n": "bhjm", "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz",
    "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}


# ---------------------------------------------------------------------------------
# Building one message
# ---------------------------------------------------------------------------------

def paraphrase(rng, text):
    for pattern, options in PARAPHRASES:
        if rng.chance(0.35) and re.search(pattern, text):
            text = re.sub(pattern, rng.choice(options), text, count=1)
    return text


def add_typos(rng, text):
    """Swaps, drops, doubles or fat-fingers letters in a few words. Tokens holding
    digits, @ or # (order numbers, mentions, hashtags) are left alone."""
    words = text.split(" ")
    budget = 1 + rng.below(3)
    for idx, word in enumerate(words):
        if budget == 0:
            break
        core = word.strip(".,!?:;()'\"")
        if len(core) < 3 or not core.isalpha() or not core.isascii():
            continue
        if not rng.chance(TYPO_WORD_RATE):
            continue
        lower = core.lower()
        if lower in COMMON_MISSPELLINGS and rng.chance(0.6):
            new = COMMON_MISSPELLINGS[lower]
        else:
            pos = 1 + rng.below(len(core) - 1)
            op = rng.choice(["swap", "drop", "double", "neighbour"])
            if op == "swap" and pos < len(core) - 1:
                new = core[:pos] + core[pos + 1] + core[pos] + core[pos + 2:]
            elif op == "drop":
                new = core[:pos] + core[pos + 1:]
            elif op == "double":
                new = core[:pos] + core[pos] + core[pos:]
            else:
                near = KEYBOARD_NEIGHBOURS.get(core[pos].lower())
                new = core[:pos] + (rng.choice(near) if near else core[pos]) + core[pos + 1:]
        if core[0].isupper() and new[:1].islower():
            new = new[0].upper() + new[1:]
        words[idx] = word.replace(core, new, 1)
        budget -= 1
    return " ".join(words)


def loosen_punctuation(rng, text):
    """Chat, SMS and social writers drop final full stops and double question marks."""
    if text.endswith("?"):
        return text + rng.weighted(["", "?", "??", "!"], [55, 20, 10, 5]) \
            if rng.chance(0.8) else text[:-1]
    if text.endswith("."):
        return text[:-1] if rng.chance(0.6) else text
    return text


def smsify(rng, text):
    for pattern, short in SMS_ABBREV:
        if rng.chance(SMS_ABBREV_RATE):
            text = re.sub(pattern, short, text, flags=re.IGNORECASE)
    text = text.replace(". ", " ").replace(", ", " ")
    if rng.chance(0.8):
        text = text.lower()
    return loosen_punctuation(rng, text.rstrip("."))


def curly_apostrophes(rng, text, rate):
    return text.replace("'", "\u2019") if rng.chance(rate) else text


def style_email(rng, body, slots, kind):
    parts = []
    if rng.chance(0.08):
        parts.append(slots.fill(rng.choice(["Re: Your AwesomeShoes order {order}",
                                            "Subject: my order", "Subject: question",
                                            "Fwd: Order confirmation {order}"])))
    greeting = rng.chance(0.8)
    newlines = rng.chance(0.55)
    if greeting:
        parts.append(rng.choice(EMAIL_GREETINGS))
    text_body = body
    if rng.chance(0.3):
        text_body = rng.choice(EMAIL_OPENERS) + " " + text_body
    if rng.chance(0.55):
        text_body += " " + rng.choice(EMAIL_CLOSERS)
    parts.append(text_body)
    if rng.chance(0.6):
        parts.append(rng.choice(EMAIL_SIGNOFFS) + ("\n" if newlines else " ") +
                     slots.get("name"))
    if rng.chance(0.07):
        parts.append("Sent from my iPhone")
    separator = "\n\n" if newlines else " "
    return separator.join(parts)


def style_chat(rng, body):
    if rng.chance(0.35):
        opener = rng.choice(CHAT_OPENERS)
        joiner = " " if opener[-1] in "?!" else rng.choice([" ", ", ", " - ", "! "])
        body = opener + joiner + body
    body = loosen_punctuation(rng, body)
    if rng.chance(0.15):
        body = smsify(rng, body)
    elif rng.chance(0.35):
        body = body.lower()
    if rng.chance(0.1):
        body += rng.choice([" pls", " thanks", " thx", " ty", " please"])
    return body


def style_social(rng, body, intent):
    mood = INTENT_MOOD[intent]
    if rng.chance(0.25):
        mood = rng.choice(["upset", "happy", "neutral"])
    body = loosen_punctuation(rng, body)
    if rng.chance(0.2):
        body = body.lower()
    if mood == "upset" and rng.chance(0.2):
        # Shout one content word ("still NOT here"), never a short function word.
        words = body.split(" ")
        candidates = [idx for idx, word in enumerate(words)
                      if len(word) >= 4 and word.isalpha()]
        if candidates:
            idx = rng.choice(candidates)
            words[idx] = words[idx].upper()
            body = " ".join(words)
    placement = rng.weighted(["start", "end", "none"], [60, 25, 15])
    if placement == "start":
        body = rng.choice(["@AwesomeShoes ", "@AwesomeShoes ", "@awesomeshoes ",
                           "hey @AwesomeShoes ", "@AwesomeShoesCo "]) + body
    elif placement == "end":
        body = body + rng.choice([" @AwesomeShoes", " @AwesomeShoesHelp", " cc @AwesomeShoes"])
    if rng.chance(0.2):
        body += " " + rng.choice(SOCIAL_TAILS[mood])
    if rng.chance(0.6):
        count = rng.weighted([1, 2, 3, 5], [50, 30, 15, 5])
        emoji = rng.choice(SOCIAL_EMOJI[mood])
        body += " " + ("".join(rng.choice(SOCIAL_EMOJI[mood]) for _ in range(count))
                       if rng.chance(0.5) else emoji * count)
    if rng.chance(0.4):
        tags = [rng.choice(HASHTAGS[mood]) for _ in range(1 + rng.below(2))]
        if len(tags) == 2 and tags[0] == tags[1]:
            tags.pop()
        body += " " + " ".join(tags)
    if placement == "none" and "#awesomeshoes" not in body.lower():
        body += " #AwesomeShoes"
    return curly_apostrophes(rng, body, 0.3)


def style_sms(rng, body):
    if rng.chance(0.1):
        body = rng.choice(["hi ", "hey ", "Hi, "]) + body
    body = smsify(rng, body)
    if rng.chance(0.12):
        body += rng.choice([" thx", " ty", " pls", " asap", " thanks"])
    return curly_apostrophes(rng, body, 0.2)


def choose_kind(rng, channel, intent):
    keyword, rambling, mixed, foreign = KIND_RATES[channel]
    draw = rng.random()
    for kind, rate in (("keyword", keyword), ("rambling", rambling), ("mixed", mixed),
                       ("foreign", foreign)):
        if draw < rate:
            if kind == "foreign" and intent not in FOREIGN:
                return "standard"
            return kind
        draw -= rate
    return "standard"


def context_sentence(rng, slots, intent):
    source = intent
    if rng.chance(BORROWED_CONTEXT_RATE):
        source = rng.choice(NEIGHBOURS[intent])
    return slots.fill(rng.choice(CONTEXTS[source]))


def compose(rng, intent, channel, kind, created_at):
    """Returns the message text for one row."""
    slots = Slots(rng, created_at)
    if kind == "keyword":
        text = slots.fill(rng.choice(KEYWORDS[intent]))
        if rng.chance(0.3):
            text = text.capitalize()
        if channel == "social":
            text = "@AwesomeShoes " + text
        elif rng.chance(0.2):
            text += rng.choice(["?", "??", " pls", " help"])
        return add_typos(rng, text) if rng.chance(TYPO_ROW_RATE[channel]) else text
    if kind == "foreign":
        text = slots.fill(rng.choice(FOREIGN[intent]))
        if channel == "social" and "@" not in text:
            text = "@AwesomeShoes " + text
        return text

    sentences = []
    if kind == "mixed":
        style = rng.weighted(["written", "short_second", "full_second", "main_last"],
                             [25, 20, 40, 15])
        if style == "written":
            ask = slots.fill(rng.choice(MIXED[intent]))
        else:
            # Two requests. The primary one comes first, or last behind a marker
            # ("but the main thing is"); the other is a short aside about any intent
            # or a whole question from a neighbouring intent. The same two questions
            # in the other order belong to the other intent, which is what makes
            # these rows hard for a bag-of-words model.
            primary = slots.fill(paraphrase(rng, rng.choice(ASKS[intent])))
            if style == "short_second":
                other = rng.choice([i for i in INTENTS if i != intent])
                secondary = slots.fill(rng.choice(SECONDARY[other]))
            else:
                other = rng.choice(NEIGHBOURS[intent])
                secondary = slots.fill(paraphrase(rng, rng.choice(ASKS[other])))
            if style == "main_last":
                first, connector, second = secondary, rng.choice(MAIN_MARKERS), primary
            else:
                first, connector, second = primary, rng.choice(CONNECTORS), secondary
            if not connector.endswith(": ") and not re.match(r"I\b", second):
                second = second[0].lower() + second[1:]
            ask = first + connector + second
    else:
        ask = slots.fill(paraphrase(rng, rng.choice(ASKS[intent])))

    context_rate = {"email": 0.65, "chat": 0.25, "social": 0.3, "sms": 0.12}[channel]
    if kind == "rambling":
        # The ask sits in the middle: filler before, context, the ask, maybe more filler.
        pool = FILLER + EMAIL_FILLER if channel == "email" else FILLER
        fillers = [slots.fill(rng.choice(pool)) for _ in range(2 + rng.below(3))]
        lead = 1 + rng.below(len(fillers))
        sentences.extend(fillers[:lead])
        sentences.append(context_sentence(rng, slots, intent))
        if rng.chance(0.5):
            sentences.append(context_sentence(rng, slots, intent))
        sentences.append(ask)
        sentences.extend(fillers[lead:])
        if rng.chance(0.6):
            sentences.append(slots.fill(rng.choice(DETAILS)))
    else:
        if rng.chance(context_rate):
            sentences.append(context_sentence(rng, slots, intent))
        sentences.append(ask)
        if channel == "email" and rng.chance(0.35):
            sentences.append(slots.fill(rng.choice(DETAILS)))
    if INTENT_MOOD[intent] == "upset" and rng.chance(0.12):
        sentences.append(rng.choice(UPSET_ADDONS))
    # Drop accidental repeats (the same context drawn twice) keeping order.
    unique = []
    for sentence in sentences:
        if sentence not in unique:
            unique.append(sentence)
    body = " ".join(unique)

    if rng.chance(TYPO_ROW_RATE[channel]):
        body = add_typos(rng, body)
    if channel == "email":
        return style_email(rng, body, slots, kind)
    if channel == "chat":
        return style_chat(rng, body)
    if channel == "social":
        return style_social(rng, body, intent)
    return style_sms(rng, body)


# ---------------------------------------------------------------------------------
# Timestamps and splits
# ---------------------------------------------------------------------------------

# Hour-of-day weights (UTC) per channel: email in office hours, social and SMS evenings.
HOUR_WEIGHTS = {
    "email": [1, 1, 1, 1, 1, 2, 3, 5, 8, 9, 9, 8, 7, 8, 8, 8, 7, 6, 4, 3, 3, 2, 2, 1],
    "chat": [1, 1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 8, 9, 9, 8, 8, 7, 7, 6, 5, 4, 3, 2],
    "social": [3, 2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 6, 6, 6, 7, 8, 9, 10, 10, 9, 7, 5],
    "sms": [2, 1, 1, 1, 1, 1, 2, 4, 6, 6, 6, 6, 7, 6, 6, 6, 7, 8, 8, 8, 7, 6, 4, 3],
}
BLACK_FRIDAY = datetime.datetime(2025, 11, 28, tzinfo=datetime.timezone.utc)


def draw_timestamp(rng, split, intent, channel):
    """Traffic grows over time (age ~ span * u^k with k > 1 puts more mass on recent
    days); test rows use a larger k so they skew towards the newest traffic."""
    if intent == "discounts_promotions" and split != "test" and rng.chance(0.25):
        day = BLACK_FRIDAY + datetime.timedelta(days=rng.randint(-7, 4))
    else:
        exponent = 2.6 if split == "test" else 1.2
        age_days = int(SPAN_DAYS * rng.random() ** exponent)
        day = REFERENCE_DATE - datetime.timedelta(days=age_days + 1)
    hour = rng.weighted(list(range(24)), HOUR_WEIGHTS[channel])
    return day.replace(hour=hour, minute=rng.below(60), second=rng.below(60))


def split_counts(total):
    train = round(total * SPLIT_SHARE["train"])
    validation = round(total * SPLIT_SHARE["validation"])
    return {"train": train, "validation": validation, "test": total - train - validation}


def shuffled_splits(rng, intent):
    """The split of each of the intent's rows, in a shuffled order (Fisher-Yates), so
    the most common keyword strings are not all claimed by the first split drawn."""
    order = [split for split, count in split_counts(INTENT_ROWS[intent]).items()
             for _ in range(count)]
    for idx in range(len(order) - 1, 0, -1):
        swap = rng.below(idx + 1)
        order[idx], order[swap] = order[swap], order[idx]
    return order


def generate(seed):
    """Returns {split: [row, ...]} with rows as [text, intent, channel, created_at]."""
    rng = Rng(seed)
    rows = {split: [] for split in SPLITS}
    owner_of_text = {}  # text -> (split, intent) of its first row
    duplicates = {split: 0 for split in SPLITS}
    split_sizes = {split: sum(split_counts(n)[split] for n in INTENT_ROWS.values())
                   for split in SPLITS}
    for intent in INTENTS:
        for split in shuffled_splits(rng, intent):
            channel = rng.weighted(CHANNELS, CHANNEL_MIX[intent])
            created_at = draw_timestamp(rng, split, intent, channel)
            kind = choose_kind(rng, channel, intent)
            for attempt in range(200):
                if attempt >= 50:  # this kind is exhausted; let another one fill the row
                    kind = choose_kind(rng, channel, intent)
                text = compose(rng, intent, channel, kind, created_at).strip()
                owner = owner_of_text.get(text)
                if owner is None:
                    break
                # Keyword-only messages may repeat inside one split, within budget;
                # the same text never lands in two splits (that would leak).
                if (owner == (split, intent) and kind == "keyword" and
                        duplicates[split] < MAX_DUPLICATE_SHARE * split_sizes[split]):
                    duplicates[split] += 1
                    break
            else:
                raise RuntimeError(f"could not draw a new message for {intent}/{split}")
            owner_of_text.setdefault(text, (split, intent))
            stamp = created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            rows[split].append([text, intent, channel, stamp])
    for split in SPLITS:
        # Chronological like an export from the helpdesk; ties broken by text.
        rows[split].sort(key=lambda row: (row[3], row[0], row[1]))
    return rows


# Multi-label variant (--multi-label DIR): how many intents a message has, and the rows per split.
MULTI_INTENT_COUNTS = [1, 2, 3]
MULTI_INTENT_WEIGHTS = [62, 30, 8]
MULTI_LABEL_ROWS = {"train": 2400, "validation": 500, "test": 500}
MULTI_COLUMNS = ["text", "intents", "channel", "created_at"]


def generate_multi_label(seed):
    """Returns {split: [row, ...]} with rows as [text, "a|b", channel, created_at]: support
    messages with one, two or three intents, each asked in the message (the primary ask,
    then short asides about the others), labelled with every intent they ask about."""
    rng = Rng(seed)
    weights = [INTENT_ROWS[intent] for intent in INTENTS]
    rows = {split: [] for split in SPLITS}
    seen = set()
    for split in SPLITS:
        while len(rows[split]) < MULTI_LABEL_ROWS[split]:
            count = rng.weighted(MULTI_INTENT_COUNTS, MULTI_INTENT_WEIGHTS)
            intents = []
            while len(intents) < count:
                intent = rng.weighted(INTENTS, weights)
                if intent not in intents:
                    intents.append(intent)
            primary = intents[0]
            channel = rng.weighted(CHANNELS, CHANNEL_MIX[primary])
            created_at = draw_timestamp(rng, split, primary, channel)
            text = compose(rng, primary, channel, "standard", created_at).strip()
            slots = Slots(rng, created_at)
            for other in intents[1:]:
                aside = slots.fill(rng.choice(SECONDARY[other]))
                connector = rng.choice(CONNECTORS)
                if not re.match(r"I\b", aside):
                    aside = aside[0].lower() + aside[1:]
                text = text + connector + aside
            if text in seen:
                continue
            seen.add(text)
            stamp = created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            rows[split].append([text, "|".join(sorted(intents)), channel, stamp])
        rows[split].sort(key=lambda row: (row[3], row[0], row[1]))
    return rows


def generate_week(seed, existing_texts, rows_per_week=400):
    """One week of production traffic after the reference date, for `trainops cycle`
    (`--traffic-week`): the same intents, channels and writing as the task's files, in the
    share of the training data, with an id per message and the label an agent gave it
    (the feedback). Texts already in train/validation/test are drawn again, so the week
    never repeats a row the model was trained or tested on."""
    rng = Rng(seed)
    weights = [INTENT_ROWS[intent] for intent in INTENTS]
    start = REFERENCE_DATE + datetime.timedelta(days=2)
    rows = []
    seen = set(existing_texts)
    for number in range(rows_per_week):
        intent = rng.weighted(INTENTS, weights)
        channel = rng.weighted(CHANNELS, CHANNEL_MIX[intent])
        created_at = (start + datetime.timedelta(days=rng.below(7), hours=rng.weighted(list(range(24)), HOUR_WEIGHTS[channel]))
                      ).replace(minute=rng.below(60), second=rng.below(60))
        for _ in range(200):
            text = compose(rng, intent, channel, choose_kind(rng, channel, intent), created_at).strip()
            if text not in seen:
                break
        else:
            raise RuntimeError(f"could not draw a new message for {intent} in the traffic week")
        seen.add(text)
        rows.append([f"m{seed:02d}-{number:05d}", text, intent, channel, created_at.strftime("%Y-%m-%dT%H:%M:%SZ")])
    rows.sort(key=lambda row: (row[4], row[0]))
    return rows


def write_csv_atomic(path, rows, columns=COLUMNS):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp_path = tempfile.mkstemp(prefix=".tmp-", suffix=".csv", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
            writer.writerow(columns)
            writer.writerows(rows)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, path)
    except BaseException:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
        raise


def main(argv):
    repo_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--out", default=os.path.join(repo_root, "examples", "awesomeshoes"),
                        help="output folder (default examples/awesomeshoes)")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    parser.add_argument("--multi-label", metavar="DIR",
                        help="also write a multi-label variant (messages with one to three intents, column "
                             "intents = a|b) to DIR/{train,validation,test}.csv")
    parser.add_argument("--traffic-week", metavar="FILE",
                        help="also write one week of production traffic with feedback labels to FILE")
    args = parser.parse_args(argv)

    os.makedirs(args.out, exist_ok=True)
    rows = generate(args.seed)
    for split in SPLITS:
        path = os.path.join(args.out, f"{split}.csv")
        write_csv_atomic(path, rows[split])
        if not args.quiet:
            print(f"wrote {path}: {len(rows[split])} rows")
    if args.multi_label:
        os.makedirs(args.multi_label, exist_ok=True)
        multi = generate_multi_label(args.seed + 2)
        for split in SPLITS:
            path = os.path.join(args.multi_label, f"{split}.csv")
            write_csv_atomic(path, multi[split], MULTI_COLUMNS)
            if not args.quiet:
                print(f"wrote {path}: {len(multi[split])} rows")
    if args.traffic_week:
        texts = [row[0] for split in SPLITS for row in rows[split]]
        week = generate_week(args.seed + 1, texts)
        write_csv_atomic(args.traffic_week, week, ["id", "text", "intent", "channel", "created_at"])
        if not args.quiet:
            print(f"wrote {args.traffic_week}: {len(week)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
