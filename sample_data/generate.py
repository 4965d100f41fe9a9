"""Regenerate the demo shop's sample CSV files (all data made up).

Run from anywhere:  python sample_data/generate.py
The random seed is fixed, so the output is reproducible byte for byte.
IMEIs are Luhn-valid but invented; TACs only look plausible.
"""

from __future__ import annotations

import csv
import random
import string
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
rng = random.Random(20261101)


def write(name: str, header: list[str], rows: list[list]) -> None:
    with open(HERE / name, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def money(x) -> str:
    return str(Decimal(str(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------- stores / staff
STORES = [
    ["SZ01", "华强北旗舰店"],
    ["SZ02", "南山科技园店"],
    ["WH01", "龙华仓库"],
]

STAFF = [
    ["E001", "张伟", "SZ01", "manager"],
    ["E002", "李娜", "SZ01", "clerk"],
    ["E003", "王磊", "SZ01", "clerk"],
    ["E004", "陈晓燕", "SZ01", "clerk"],
    ["E005", "刘洋", "SZ02", "manager"],
    ["E006", "黄丽婷", "SZ02", "clerk"],
    ["E007", "林志强", "SZ02", "clerk"],
    ["E008", "周建华", "WH01", "clerk"],
    ["E009", "吴秀芳", "SZ01", "accountant"],
]

SUPPLIERS = [
    ["SUP01", "深圳市华讯通信器材有限公司"],
    ["SUP02", "广州市天河区联拓数码科技有限公司"],
    ["SUP03", "深圳市鹏城恒达电子贸易有限公司"],
]

CHANNELS = [
    ["WX", "微信公众号"],
    ["XHS", "小红书"],
    ["DY", "抖音"],
    ["WIN", "门店橱窗"],
    ["AS", "售后回访"],
    ["REF", "老客推荐"],
]

# --------------------------------------------------------------------------- products
PHONE = ("手机", "yes", "IMEI1,IMEI2,SN", 12)
# sku, name, brand, price, units to generate, sn style, supplier(s)
PHONES = [
    ("IP17-256-WH", "iPhone 17 256GB 白色", "Apple", 5999, 22, "apple", ["SUP01"]),
    ("IP17P-256-BK", "iPhone 17 Pro 256GB 深空黑", "Apple", 8999, 22, "apple", ["SUP01"]),
    ("IP17P-512-OR", "iPhone 17 Pro 512GB 星宇橙", "Apple", 10999, 12, "apple", ["SUP01"]),
    ("IP17PM-256-BL", "iPhone 17 Pro Max 256GB 深蓝色", "Apple", 9999, 18, "apple", ["SUP01"]),
    ("IP17PM-1T-SV", "iPhone 17 Pro Max 1TB 银色", "Apple", 13999, 6, "apple", ["SUP01"]),
    ("IP16-128-BK", "iPhone 16 128GB 黑色", "Apple", 5199, 14, "apple", ["SUP01", "SUP03"]),
    ("HWM70P-512-BK", "华为 Mate 70 Pro 12GB+512GB 曜石黑", "Huawei", 6999, 16, "huawei", ["SUP02"]),
    ("HWP80-256-WH", "华为 Pura 80 12GB+256GB 雪域白", "Huawei", 4699, 14, "huawei", ["SUP02"]),
    ("HWN14-256-GR", "华为 nova 14 12GB+256GB 绿色", "Huawei", 2699, 16, "huawei", ["SUP02"]),
    ("MI15-256-BK", "小米 15 12GB+256GB 黑色", "Xiaomi", 4499, 14, "xiaomi", ["SUP03"]),
    ("MI15U-512-BK", "小米 15 Ultra 16GB+512GB 经典黑银", "Xiaomi", 6999, 8, "xiaomi", ["SUP03"]),
    ("RMK80-256-WH", "Redmi K80 12GB+256GB 雪岩白", "Xiaomi", 2499, 16, "xiaomi", ["SUP03"]),
    ("OPFX8-256-BK", "OPPO Find X8 12GB+256GB 星野黑", "OPPO", 4199, 10, "oppo", ["SUP03"]),
    ("OPR14-256-BL", "OPPO Reno14 12GB+256GB 海湾蓝", "OPPO", 2799, 14, "oppo", ["SUP03", "SUP02"]),
    ("VVX200-256-BK", "vivo X200 12GB+256GB 辰夜黑", "vivo", 4299, 10, "vivo", ["SUP03"]),
    ("IQ13-256-WH", "iQOO 13 12GB+256GB 传奇版", "vivo", 3999, 10, "vivo", ["SUP03"]),
    ("HNM7-256-BK", "荣耀 Magic7 12GB+256GB 绒黑色", "Honor", 4499, 10, "honor", ["SUP02"]),
    ("OP13-256-BK", "一加 13 12GB+256GB 黑曜秘境", "OnePlus", 4499, 10, "oneplus", ["SUP03"]),
]

# sku, name, brand, category, price, warranty, units, sn style, supplier(s)
SN_ONLY = [
    ("MBA13-M4-16-256", "MacBook Air 13英寸 M4 16GB+256GB 午夜色", "Apple", "笔记本", 7999, 12, 10, "apple", ["SUP01"]),
    ("HWMB14-2025-16-1T", "华为 MateBook 14 2025 16GB+1TB 深空灰", "Huawei", "笔记本", 6999, 24, 8, "huawei_pc", ["SUP02"]),
    ("LXPRO14-2025-32-1T", "联想 小新 Pro 14 2025 32GB+1TB 鸽子灰", "Lenovo", "笔记本", 5999, 24, 8, "lenovo", ["SUP03"]),
    ("IPADAIR11-M3-128", "iPad Air 11英寸 M3 128GB WLAN 蓝色", "Apple", "平板", 4799, 12, 10, "apple", ["SUP01"]),
    ("HWMP115-256", "华为 MatePad 11.5 S 8GB+256GB 深空灰", "Huawei", "平板", 2599, 12, 8, "huawei_pc", ["SUP02"]),
    ("APP3", "AirPods Pro 3", "Apple", "耳机", 1899, 12, 16, "apple", ["SUP01"]),
]

# sku, name, brand, category, price, warranty, supplier, cost ratio, qty per store
ACCESSORIES = [
    ("00123", "品胜 USB-C 转 USB-C 数据线 1m 60W", "品胜", "数据线", 39, 6, "SUP03", 0.55, (60, 45, 200)),
    ("00456", "Apple USB-C 转闪电连接线 1m", "Apple", "数据线", 145, 6, "SUP01", 0.78, (20, 15, 60)),
    ("APL-20W", "Apple 20W USB-C 电源适配器", "Apple", "充电器", 149, 6, "SUP01", 0.80, (30, 25, 80)),
    ("ANK-30W-GAN", "安克 30W 氮化镓充电器", "Anker", "充电器", 99, 6, "SUP03", 0.60, (25, 20, 80)),
    ("HW-66W-CHG", "华为 66W 超级快充充电器套装", "Huawei", "充电器", 179, 6, "SUP02", 0.72, (15, 12, 40)),
    ("BS-PB10K", "倍思 10000mAh 22.5W 磁吸充电宝", "倍思", "移动电源", 149, 6, "SUP03", 0.62, (15, 12, 50)),
    ("CASE-IP17P-MS", "iPhone 17 Pro MagSafe 硅胶保护壳 黑色", "Apple", "保护壳", 399, 0, "SUP01", 0.75, (12, 10, 30)),
    ("CASE-IP17P-TPU", "iPhone 17 Pro 透明 TPU 防摔壳", "闪魔", "保护壳", 49, 0, "SUP03", 0.40, (50, 40, 150)),
    ("CASE-M70P", "华为 Mate 70 Pro 素皮保护壳", "Huawei", "保护壳", 99, 0, "SUP02", 0.55, (20, 15, 60)),
    ("FILM-IP17P", "iPhone 17 Pro 钢化膜 高清防指纹 2片装", "绿联", "贴膜", 59, 0, "SUP03", 0.35, (80, 60, 300)),
    ("FILM-IP17PM", "iPhone 17 Pro Max 钢化膜 高清防指纹 2片装", "绿联", "贴膜", 59, 0, "SUP03", 0.35, (60, 50, 200)),
    ("HW-FB6I", "华为 FreeBuds 6i 真无线降噪耳机 白色", "Huawei", "耳机", 599, 6, "SUP02", 0.80, (10, 8, 30)),
]

# --------------------------------------------------------------------------- codes
TAC_PREFIX = {"apple": "35", "huawei": "86", "honor": "86", "xiaomi": "86",
              "oppo": "86", "vivo": "86", "oneplus": "86"}


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # positions that get doubled (rightmost body digit first)
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(code: str) -> bool:
    return len(code) == 15 and code.isdigit() and luhn_digit(code[:14]) == code[14]


used: set[str] = set()


def unique(make) -> str:
    while True:
        c = make()
        if c not in used:
            used.add(c)
            return c


def digits(n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def alnum(n: int, alphabet: str = string.ascii_uppercase + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


APPLE_ALPHA = "BCDFGHJKLMNPQRTVWXYZ0123456789"  # Apple avoids vowels/ambiguous letters
HEX = "0123456789ABCDEF"


def make_sn(style: str) -> str:
    if style == "apple":
        return unique(lambda: rng.choice("CDFGHJKLMNPQRTVWXY") + alnum(rng.choice([9, 9, 11]), APPLE_ALPHA))
    if style == "huawei":
        return unique(lambda: rng.choice(["KXB", "QPM", "R5C", "UBV"]) + "0" + rng.choice("12") +
                      rng.choice("123456789") + digits(1) + rng.choice("ABC") + digits(7))
    if style == "huawei_pc":
        return unique(lambda: rng.choice(["HLB", "MDF", "J2W"]) + "0" + rng.choice("12") +
                      digits(2) + rng.choice("ABC") + digits(7))
    if style == "honor":
        return unique(lambda: rng.choice(["AY5M", "BN2K", "FZ8D"]) + "0" + rng.choice("12") +
                      digits(2) + rng.choice("ABC") + digits(6))
    if style == "xiaomi":
        return unique(lambda: digits(5) + rng.choice(["Y", "Z"]) + alnum(3, string.ascii_uppercase) + digits(5))
    if style == "oppo":
        return unique(lambda: alnum(12, HEX))
    if style == "vivo":
        return unique(lambda: "1" + digits(1) + alnum(2, HEX) + alnum(4, HEX) + digits(8))
    if style == "oneplus":
        return unique(lambda: alnum(8, HEX))
    if style == "lenovo":
        return unique(lambda: "PF" + alnum(6, string.ascii_uppercase + string.digits))
    raise ValueError(style)


def tacs_for(style: str, k: int = 3) -> list[str]:
    p = TAC_PREFIX[style]
    return [p + digits(6) for _ in range(k)]


def make_imei(tac: str) -> str:
    return unique(lambda: (lambda body: body + luhn_digit(body))(tac + digits(6)))


def pick_store(shops_heavy: bool) -> str:
    w = (45, 40, 15) if shops_heavy else (20, 20, 60)
    return rng.choices(["SZ01", "SZ02", "WH01"], weights=w)[0]


def batch_costs(price: int) -> list[Decimal]:
    """Two purchase batches at slightly different costs (80-92 % of list)."""
    first = price * rng.uniform(0.86, 0.91)
    second = first * rng.uniform(0.96, 0.99)  # a later, cheaper batch
    return [Decimal(round(first)), Decimal(round(second))]


def main() -> None:
    products, units, stock = [], [], []

    for sku, name, brand, price, n, style, sups in PHONES:
        cat, serial, codes, warranty = PHONE
        products.append([sku, name, brand, cat, money(price), serial, codes, warranty])
        tacs = tacs_for(style)
        costs = batch_costs(price)
        for i in range(n):
            batch = 0 if i < (n + 1) // 2 else 1
            tac = rng.choice(tacs)
            imei1 = make_imei(tac)
            imei2 = make_imei(tac)
            sn = make_sn(style)
            units.append([pick_store(True), sku, sups[batch % len(sups)],
                          money(costs[batch]), imei1, imei2, sn])

    for sku, name, brand, cat, price, warranty, n, style, sups in SN_ONLY:
        products.append([sku, name, brand, cat, money(price), "yes", "SN", warranty])
        costs = batch_costs(price)
        heavy_shops = cat == "耳机"
        for i in range(n):
            batch = 0 if i < (n + 1) // 2 else 1
            units.append([pick_store(heavy_shops), sku, sups[0], money(costs[batch]),
                          "", "", make_sn(style)])

    for sku, name, brand, cat, price, warranty, sup, ratio, qtys in ACCESSORIES:
        products.append([sku, name, brand, cat, money(price), "no", "", warranty])
        cost = Decimal(str(price)) * Decimal(str(ratio))
        for store, q in zip(["SZ01", "SZ02", "WH01"], qtys):
            stock.append([store, sku, sup, money(cost), q])

    # ------------------------------------------------------------------ customers
    trade = [
        ["C001", "深圳市宝安区鑫达通讯店", "13823456781", "批发", "50000.00"],
        ["C002", "深圳市龙岗区速修手机维修中心", "13612874530", "批发", "20000.00"],
        ["C003", "广州市天河区易联数码经营部", "13925561207", "批发", "80000.00"],
        ["C004", "东莞市长安镇恒通手机商行", "15817239064", "批发", "60000.00"],
        ["C005", "佛山市南海区智达电子维修店", "13702843319", "批发", "30000.00"],
        ["C006", "深圳市南山区云启科技有限公司", "18938652107", "企业", "200000.00"],
        ["C007", "深圳市福田区汇智教育咨询有限公司", "13590321846", "企业", "100000.00"],
        ["C008", "广州市黄埔区星海物流有限公司", "18620937154", "企业", "150000.00"],
    ]
    surnames = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁")
    given = ["伟", "芳", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
             "秀兰", "霞", "平", "刚", "桂英", "文博", "子涵", "梓萱", "浩然", "雨桐", "俊杰", "欣怡",
             "嘉豪", "思琪", "晓东", "伟鸿", "丽华", "志明", "家乐", "嘉欣", "宇轩", "诗涵", "锦荣"]
    prefixes = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152",
                "155", "157", "158", "159", "180", "181", "186", "187", "188", "189", "191",
                "193", "198", "199"]
    customers = list(trade)
    names_seen: set[str] = set()
    phones_seen: set[str] = {c[2] for c in trade}
    while len(customers) < 40:
        nm = rng.choice(surnames) + rng.choice(given)
        ph = rng.choice(prefixes) + digits(8)
        if nm in names_seen or ph in phones_seen:
            continue
        names_seen.add(nm)
        phones_seen.add(ph)
        customers.append([ph, nm, ph, "零售", "0.00"])

    write("stores.csv", ["code", "name"], STORES)
    write("staff.csv", ["code", "name", "store", "role"], STAFF)
    write("suppliers.csv", ["code", "name"], SUPPLIERS)
    write("channels.csv", ["code", "name"], CHANNELS)
    write("products.csv", ["sku", "name", "brand", "category", "price", "serial", "codes",
                           "warranty_months"], products)
    write("customers.csv", ["code", "name", "phone", "group", "credit_limit"], customers)
    write("units.csv", ["store", "sku", "supplier", "cost", "IMEI1", "IMEI2", "SN"], units)
    write("stock_qty.csv", ["store", "sku", "supplier", "cost", "qty"], stock)
    demo_month(customers, units)


# --------------------------------------------------------------------------- the demo month
# Everything below is drawn after the files above, so adding it left them byte for byte the same.

NEW_MEMBER_NAMES = ["郑晓燕", "冯嘉豪", "谢雨桐", "邓浩然", "曾思琪", "彭宇轩", "萧嘉欣", "潘志明", "袁诗涵",
                    "唐俊杰", "韩梓萱", "宋锦荣", "许家乐", "梁晓东", "罗丽华", "何伟鸿", "蔡欣怡", "田子涵",
                    "董文博", "曹秀兰", "高明", "马超", "孙静", "胡敏", "杨洋", "朱桂英"]
SELLERS = ["E001", "E002", "E003", "E004", "E005", "E006", "E007"]

# Rules beyond the list prices of products.csv: trade (批发) and company (企业) prices, one
# customer's own price, a member level's price, and the Double 11 promotion (dated list prices).
PRICES = [
    # sku, price, customer, group, level, from, until
    ("IP17-256-WH", 5699, "", "批发", "", "", ""),
    ("IP17P-256-BK", 8599, "", "批发", "", "", ""),
    ("IP17PM-256-BL", 9499, "", "批发", "", "", ""),
    ("IP16-128-BK", 4899, "", "批发", "", "", ""),
    ("HWM70P-512-BK", 6599, "", "批发", "", "", ""),
    ("HWN14-256-GR", 2549, "", "批发", "", "", ""),
    ("MI15-256-BK", 4299, "", "批发", "", "", ""),
    ("RMK80-256-WH", 2349, "", "批发", "", "", ""),
    ("OPR14-256-BL", 2649, "", "批发", "", "", ""),
    ("MBA13-M4-16-256", 7699, "", "企业", "", "", ""),
    ("HWMB14-2025-16-1T", 6699, "", "企业", "", "", ""),
    ("LXPRO14-2025-32-1T", 5699, "", "企业", "", "", ""),
    ("MBA13-M4-16-256", 7499, "C006", "", "", "", ""),
    ("APP3", 1799, "", "", "金卡", "", ""),
    ("IP17-256-WH", 5699, "", "", "", "2026-11-09", "2026-11-12"),
    ("HWN14-256-GR", 2499, "", "", "", "2026-11-09", "2026-11-12"),
    ("RMK80-256-WH", 2299, "", "", "", "2026-11-09", "2026-11-12"),
    ("APL-20W", 129, "", "", "", "2026-11-09", "2026-11-12"),
    ("ANK-30W-GAN", 79, "", "", "", "2026-11-09", "2026-11-12"),
]


def demo_month(customers: list[list], units: list[list]) -> None:
    """members.csv, prices.csv and next month's delivery files for the README tour."""
    max_cost: dict[str, Decimal] = {}
    for u in units:
        max_cost[u[1]] = max(max_cost.get(u[1], Decimal(0)), Decimal(u[3]))
    for sku, price, *_ in PRICES:
        if sku in max_cost:  # a rule must still leave a margin on the dearest unit
            assert Decimal(price) > max_cost[sku] * Decimal("1.02"), (sku, price, max_cost[sku])
    write("prices.csv", ["sku", "price", "customer", "group", "level", "from", "until"],
          [[sku, money(price), *rest] for sku, price, *rest in PRICES])

    # members: 14 retail customers already on file enrol, 26 new people; how each one joined
    retail = [c for c in customers if c[3] == "零售"]
    known = rng.sample(retail, 14)
    phones = {c[2] for c in customers}
    people = [(c[2], c[1]) for c in known]
    prefixes = ["135", "136", "137", "138", "139", "150", "158", "159", "186", "187", "188", "189", "199"]
    for name in NEW_MEMBER_NAMES:
        while True:
            ph = rng.choice(prefixes) + digits(8)
            if ph not in phones:
                phones.add(ph)
                break
        people.append((ph, name))
    rng.shuffle(people)
    days = sorted(rng.choices(range(1, 29), weights=[6 if d in (1, 7, 8, 11) else 2 if d < 15 else 1 for d in range(1, 29)], k=len(people)))
    rows, joined = [], []
    for (phone, name), day in zip(people, days):
        how = rng.choices(["channel-qr", "staff-qr", "hand"], weights=(45, 35, 20))[0]
        channel = staff = referrer = ""
        if how == "channel-qr":
            channel = rng.choice(["WX", "WX", "XHS", "DY", "DY"])
        elif how == "staff-qr":
            staff = rng.choice(SELLERS)
            channel = rng.choice(["", "", "WIN"])  # a card in the shop window carries the channel too
        else:
            staff = rng.choice(SELLERS)
            if joined and rng.random() < 0.5:
                channel, referrer = "REF", rng.choice(joined)
            else:
                channel = rng.choice(["AS", "WIN"])
        habit = rng.choices(["daily", "often", "sometimes", "never"], weights=(25, 35, 30, 10))[0]
        rows.append([phone, name, f"2026-11-{day:02d}", how, channel, staff, referrer, habit])
        joined.append(phone)
    write("members.csv", ["phone", "name", "joined", "how", "channel", "staff", "referrer", "checkin"], rows)

    # December's first deliveries, for the README tour (stock in --file, and scanner mode)
    tacs = tacs_for("apple")
    write("delivery-IP17P-256-BK.csv", ["IMEI1", "IMEI2", "SN"],
          [[make_imei(t), make_imei(t), make_sn("apple")] for t in [rng.choice(tacs) for _ in range(5)]])
    write("delivery-APP3.csv", ["SN"], [[make_sn("apple")] for _ in range(3)])


if __name__ == "__main__":
    main()
