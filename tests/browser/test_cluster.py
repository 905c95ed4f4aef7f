"""The app on a real two-node Ray cluster, started with Ray's CLI (token auth on, one CPU per node), joined
with ``RAY_ADDRESS`` and no code change, driven from Chromium."""

import re

import psutil
import pytest
from browser_helpers import ROOT, Server, new_page, open_page
from playwright.sync_api import expect
from ray_cluster import RayCluster

TABLE = '[data-testid="stTable"]'
LONG = "train?rows=4000&epochs=200&batch_size=8&seed={seed}"  # minutes of training: stopped by the test
RUNNING = re.compile(r"Training… Epoch [1-9]")
ON_NODE = re.compile(r"Training on node (127\.0\.0\.\d+) \(node ([0-9a-f]{8})\)\.")


@pytest.fixture(scope="module")
def cluster():
    c = RayCluster(nodes=2, cpus=1)
    try:
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="module")
def app(cluster):
    """The app, told only where the cluster is and where its token file is."""
    s = Server(env={"RAY_ADDRESS": cluster.address, **cluster.env})
    try:
        yield s
    finally:
        s.stop()


def test_the_shape_table_answers_and_the_web_server_starts_no_ray(cluster, app, page):
    page.goto(f"{app.url}/model")  # the first page waits while the compute service joins the cluster
    expect(page.locator(TABLE)).to_contain_text("(None, 32)", timeout=240_000)
    server = psutil.Process(app.proc.pid)
    names = {p.name() for p in server.children(recursive=True)}
    assert not names & {"gcs_server", "raylet"}, names  # the compute service joined; it started no Ray
    assert "_raylet" not in open(f"/proc/{server.pid}/maps").read(), "Ray is loaded in the web server"
    assert cluster.raylet("127.0.0.2") and cluster.raylet("127.0.0.3")


def test_two_trainings_run_at_once_one_on_each_node_with_code_from_runtime_env(cluster, app, browser):
    alice, bob = new_page(browser), new_page(browser)
    try:
        open_page(alice, app, LONG.format(seed=1))
        open_page(bob, app, LONG.format(seed=2))
        alice.get_by_role("button", name="Train", exact=True).click()
        bob.get_by_role("button", name="Train", exact=True).click()
        for page in (alice, bob):
            expect(page.get_by_text(RUNNING)).to_be_visible(timeout=180_000)
        expect(alice.get_by_text(RUNNING)).to_be_visible()  # still training while Bob's trains: both at once

        nodes = {}
        for page in (alice, bob):
            ip, node_id = ON_NODE.search(page.get_by_text(ON_NODE).inner_text()).groups()
            page.get_by_text("Where this training ran").click()
            details = page.locator('[data-testid="stExpander"]', has_text="Where this training ran")
            expect(details).to_contain_text("Worker process:")
            text = details.inner_text()
            pid = int(re.search(r"Worker process: (\d+)", text).group(1))
            package = re.search(r"loaded from: (\S+)", text).group(1)
            nodes[ip] = node_id
            # The worker is a process of that node's raylet, and its lstm_lab came from Ray's runtime_env
            # folder on that node, not from the project tree.
            assert cluster.raylet(ip).pid in {p.pid for p in psutil.Process(pid).parents()}
            assert package.startswith(str(cluster.node_dir(ip))), package
            assert "/runtime_resources/py_modules_files/" in package and not package.startswith(str(ROOT))
        assert sorted(nodes) == ["127.0.0.2", "127.0.0.3"] and len(set(nodes.values())) == 2

        for page in (alice, bob):
            page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop").click()
        for page in (alice, bob):
            expect(page.get_by_text("Training stopped.")).to_be_visible(timeout=120_000)
            expect(page.get_by_text(re.compile(r"Trained on node 127\.0\.0\.[23] "))).to_be_visible()
    finally:
        alice.context.close()
        bob.context.close()
