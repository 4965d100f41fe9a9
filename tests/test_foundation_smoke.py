from conftest import ok, run


def test_a_new_shop_can_be_created_and_listed(shop):
    products = ok("product", "list")
    assert [p["sku"] for p in products] == ["00123", "IP17P", "MBA13"]
    r = run("store", "list", "--json")
    assert r.stderr == ""
