"""A feed without the optional table crm/campaign_touches (the alt product, --no-campaign-touches) builds
the campaign marts, and they say there is no campaign data. One small build of the campaign marts and their
parents."""

from __future__ import annotations

import pytest
from conftest import generate, make_project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def no_campaign_build(tmp_path_factory):
    work = tmp_path_factory.mktemp("no_campaigns")
    generate(
        work / "raw", work / "truth", scale=0.1, seed=5, extra=("--product", "alt", "--no-campaign-touches")
    )
    assert not (work / "raw" / "crm" / "campaign_touches.parquet").exists()
    project = make_project(work, work / "raw")
    project.build_output = project.dbt(
        "build", "--select", "+campaign_readout", "+campaign_feed_status", "stg_crm__campaign_touches"
    ).stdout
    return project


def test_campaign_marts_say_there_is_no_campaign_data(no_campaign_build):
    assert "Raw data contract: crm/campaign_touches: optional table absent" in no_campaign_build.build_output
    assert no_campaign_build.query(
        "select campaign_data_status, raw_rows from marts.campaign_feed_status"
    ) == [("no_campaign_data", 0)]
    assert no_campaign_build.query(
        "select campaign_data_status, action, outcome, lift, is_recommended from marts.campaign_readout"
    ) == [("no_campaign_data", "none", "none", None, False)]
    assert no_campaign_build.scalar("select count(*) from marts.campaign_touch_outcomes") == 0


def test_self_serve_help_column_comes_from_the_alt_tracking_plan(no_campaign_build):
    assert no_campaign_build.query(
        "select event_name from staging.stg_app__tracking_plan where is_self_serve_help"
    ) == [("help_article_read",)]
