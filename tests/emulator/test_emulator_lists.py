"""Lists, filters, pagination, routing of literal segments, catalogue, OBS, images."""

from __future__ import annotations

from emulator_test_helpers import Api, assert_error

IMAGE_CPU = "e1a07296-22a8-4f05-8bc8-e936c8e54090"


def test_pagination_envelope(api: Api) -> None:
    for i in range(7):
        api.create(name=f"nb_{i}")
        api.tick(0.01)
    page = api.get("/notebooks?limit=3&offset=3").get_json()
    assert set(page) == {"current", "data", "pages", "size", "total"}
    assert page["total"] == 7 and page["pages"] == 3 and page["size"] == 3 and page["current"] == 1
    # default order: newest first
    assert [nb["name"] for nb in page["data"]] == ["nb_3", "nb_2", "nb_1"]
    default = api.get("/notebooks").get_json()
    assert default["size"] == 10 and len(default["data"]) == 7
    last = api.get("/notebooks?limit=3&offset=6").get_json()
    assert [nb["name"] for nb in last["data"]] == ["nb_0"]
    assert api.get("/notebooks?offset=50").get_json()["data"] == []


def test_paging_until_short_page_sees_everything(api: Api) -> None:
    api.client.post("/_emulator/config", json={"max_notebooks": 20})
    for i in range(12):
        api.create(name=f"n{i}")
    seen: list[str] = []
    offset = 0
    while True:
        data = api.get(f"/notebooks?limit=5&offset={offset}").get_json()["data"]
        seen += [nb["id"] for nb in data]
        offset += len(data)
        if len(data) < 5:
            break
    assert len(set(seen)) == 12


def test_filters(api: Api) -> None:
    a = api.create(name="alpha_one", pool_id="pool41664192")
    api.create(name="beta_one", workspace_id="ws1")
    api.create(name="ALPHA-two")
    api.create(name="codelab", feature="DEFAULT", flavor="modelarts.vm.cpu.free")

    def names(query: str) -> list[str]:
        return sorted(nb["name"] for nb in api.get(f"/notebooks?{query}").get_json()["data"])

    assert names("name=alpha") == ["ALPHA-two", "alpha_one"]
    assert names("name=one") == ["alpha_one", "beta_one"]
    assert names("") == ["ALPHA-two", "alpha_one", "beta_one"]  # feature defaults to NOTEBOOK
    assert names("feature=DEFAULT") == ["codelab"]
    assert names("pool_id=pool41664192") == ["alpha_one"]
    assert names("workspaceId=ws1") == ["beta_one"]
    assert names("workspace_id=ws1") == ["ALPHA-two", "alpha_one", "beta_one"]  # not a list parameter
    api.tick()
    api.post(f"/notebooks/{a['id']}/stop")
    assert names("status=stopping") == ["alpha_one"]
    assert names("status=RUNNING") == ["ALPHA-two", "beta_one"]
    assert names("sort_key=name&sort_dir=ASC") == ["ALPHA-two", "alpha_one", "beta_one"]
    ordered = [nb["name"] for nb in api.get("/notebooks?sort_key=name&sort_dir=ASC").get_json()["data"]]
    assert ordered == ["ALPHA-two", "alpha_one", "beta_one"]
    assert_error(api.get("/notebooks?sort_key=colour"), 400, "ModelArts.6303")
    assert_error(api.get("/notebooks?status=SLEEPING"), 400, "ModelArts.6336")
    assert_error(api.get("/notebooks?limit=abc"), 400, "ModelArts.6332")
    assert_error(api.get("/notebooks?name=a.b"), 400, "ModelArts.6334")
    assert pool_view(api, a["id"]) == {"id": "pool41664192", "name": "pool41664192"}


def pool_view(api: Api, notebook_id: str) -> object:
    return api.show(notebook_id).get("pool")


def test_list_all(api: Api) -> None:
    api.create(name="one")
    body = api.get("/notebooks/all?name=one").get_json()
    assert body["total"] == 1 and body["data"][0]["name"] == "one"


def test_literal_segments_route_before_ids(api: Api) -> None:
    assert api.get("/notebooks/all").get_json()["data"] == []
    flavors = api.get("/notebooks/flavors").get_json()
    assert {"modelarts.vm.cpu.2u", "modelarts.vm.cpu.8u", "modelarts.vm.gpu.p100",
            "modelarts.vm.gpu.v100"} <= {f["id"] for f in flavors["data"]}
    groups = api.get("/images/group")
    assert groups.status_code == 200 and "data" in groups.get_json()


def test_flavors_filter_and_shape(api: Api) -> None:
    gpu = api.get("/notebooks/flavors?category=gpu").get_json()
    assert gpu["data"] and all(f["category"] == "GPU" for f in gpu["data"])
    assert all({"gpu", "gpu_memory", "type"} <= set(f["gpu"]) for f in gpu["data"])
    cpu = api.get("/notebooks/flavors?category=CPU&limit=2&offset=1").get_json()
    assert len(cpu["data"]) == 2 and cpu["total"] >= 3
    two = next(f for f in api.get("/notebooks/flavors").get_json()["data"] if f["id"] == "modelarts.vm.cpu.2u")
    assert two == {
        "arch": "x86_64", "billing": {"code": "modelarts.vm.cpu.2u", "unit_num": 1}, "category": "CPU",
        "description": "General-purpose Intel CPU flavor, ideal for rapid data exploration and experiments",
        "feature": "NOTEBOOK", "free": False, "id": "modelarts.vm.cpu.2u", "memory": 8388608,
        "name": "CPU: 2 vCPUs 8 GB", "sold_out": False, "storages": ["EVS", "OBSFS", "EFS", "OBS"], "vcpus": 2,
    }
    assert_error(api.get("/notebooks/flavors?category=TPU"), 400, "ModelArts.6336")


def test_images(api: Api) -> None:
    everything = api.get("/images").get_json()
    assert everything["size"] == 200 and everything["total"] == len(everything["data"]) >= 40
    shown = api.get(f"/images/{IMAGE_CPU}").get_json()
    assert shown["name"] == "notebook2.0-mul-kernel-cpu-cp36" and shown["arch"] == "x86_64"
    assert shown["support_res_categories"] == shown["resource_categories"]
    fuzzy = api.get("/images?name=mul-kernel").get_json()["data"]
    assert IMAGE_CPU in {i["id"] for i in fuzzy} and all("mul-kernel" in i["name"] for i in fuzzy)
    exact = api.get("/images?name=mul-kernel&name_fuzzy_match=false").get_json()["data"]
    assert exact == []
    exact = api.get("/images?name=notebook2.0-mul-kernel-cpu-cp36&name_fuzzy_match=false").get_json()["data"]
    assert IMAGE_CPU in {i["id"] for i in exact}
    dedicated = api.get("/images?type=DEDICATED").get_json()["data"]
    assert dedicated and all(i["type"] == "DEDICATED" for i in dedicated)
    paged = api.get("/images?limit=5&offset=5").get_json()
    assert len(paged["data"]) == 5 and paged["current"] == 1
    assert_error(api.get("/images/00000000-0000-0000-0000-000000000000"), 400, "ModelArts.6797")
    assert_error(api.get("/images?name_fuzzy_match=maybe"), 400, "ModelArts.6332")


def test_image_groups(api: Api) -> None:
    groups = api.get("/images/group").get_json()["data"]
    names = {g["name"] for g in groups}
    assert {"pytorch_1_8", "mock-service-python"} <= names
    assert all(set(g) == {"create_at", "name", "namespace", "update_at", "version_count"} for g in groups)


def test_register_and_delete_image(api: Api) -> None:
    body = {"swr_path": "swr.example/ns1/my_image:v1", "arch": "AARCH64", "resource_category": ["CPU"]}
    image = api.post("/images", json=body).get_json()
    assert image["name"] == "my_image" and image["namespace"] == "ns1" and image["tag"] == "v1"
    assert image["arch"] == "aarch64" and image["type"] == "DEDICATED" and image["status"] == "ACTIVE"
    assert_error(api.post("/images", json=body), 400, "ModelArts.6737")
    deleted = api.delete(f"/images/{image['id']}").get_json()
    assert deleted["status"] == "DELETED"
    assert_error(api.get(f"/images/{image['id']}"), 400, "ModelArts.6797")
    assert_error(api.delete(f"/images/{IMAGE_CPU}"), 403, "ModelArts.0108")


def test_save_as_image(api: Api) -> None:
    nb = api.create()
    assert_error(api.post(f"/notebooks/{nb['id']}/create-image", json={}), 400, "ModelArts.6327")
    api.tick()
    image = api.post(f"/notebooks/{nb['id']}/create-image",
                     json={"name": "pytorch1_4", "namespace": "atelier-auto", "tag": "20221223"}).get_json()
    assert image["status"] == "INIT" and image["origin"] == "IMAGE_SAVE" and image["type"] == "DEDICATED"
    assert api.show(nb["id"])["status"] == "SNAPSHOTTING"
    api.tick()
    assert api.show(nb["id"])["status"] == "RUNNING"
    assert api.get(f"/images/{image['id']}").get_json()["status"] == "ACTIVE"
    again = api.post(f"/notebooks/{nb['id']}/create-image",
                     json={"name": "pytorch1_4", "namespace": "atelier-auto", "tag": "20221223"})
    assert_error(again, 400, "ModelArts.6737")


def test_obs_mount_lifecycle(api: Api) -> None:
    nb = api.create()
    body = {"category": "OBS", "mount_path": "/data/wang/", "uri": "obs://authoring-test/wang/"}
    assert_error(api.post(f"/notebooks/{nb['id']}/storage", json=body), 400, "ModelArts.6327")
    api.tick()
    mount = api.post(f"/notebooks/{nb['id']}/storage", json=body).get_json()
    assert mount["category"] == "OBSFS" and mount["status"] == "MOUNTING"
    api.tick()
    shown = api.get(f"/notebooks/{nb['id']}/storage/{mount['id']}").get_json()
    assert shown["status"] == "MOUNTED"
    listing = api.get(f"/notebooks/{nb['id']}/storage").get_json()
    assert listing["total"] == 1 and listing["data"][0]["id"] == mount["id"]
    assert api.show(nb["id"])["data_volumes"][0]["id"] == mount["id"]
    unmounting = api.delete(f"/notebooks/{nb['id']}/storage/{mount['id']}").get_json()
    assert unmounting["status"] == "UNMOUNTING"
    api.tick()
    assert_error(api.get(f"/notebooks/{nb['id']}/storage/{mount['id']}"), 404, "ModelArts.6624")
    bad = [({"mount_path": "/data/x", "uri": "obs://b/d/"}, "ModelArts.6318"),
           ({"mount_path": "/data/x/", "uri": "obs://bucket/"}, "ModelArts.6358"),
           ({"mount_path": "/data/x/", "uri": "obs://b/d/", "category": "EVS"}, "ModelArts.6324"),
           ({"mount_path": "/home/x/", "uri": "obs://b/d/"}, "ModelArts.6336")]
    for request_body, code in bad:
        assert_error(api.post(f"/notebooks/{nb['id']}/storage", json=request_body), 400, code)


def test_unknown_route_under_api(api: Api) -> None:
    assert_error(api.get("/notebooks/x/y/z"), 404, "APIGW.0101")
    assert_error(api.call("PATCH", "/notebooks"), 405, "APIGW.0101")
