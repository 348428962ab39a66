"""Entity folders written the way Sonamu writes them, both layouts mixed in one project.

Modelled on Sonamu's own entity definitions: every prop type and key, index columns as
names and as objects, subsets and enums with `cone`, a missing `table`, an entity with
no props, `parentId`, and prop names that are Python keywords. Each folder is synced on
SQLite and PostgreSQL, its generated types imported, and its TypeScript compiled.
"""

from __future__ import annotations

import datetime
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from hotbed.app.codegen import ProjectEntities
from hotbed.app.db_target import Target
from hotbed.app.entity import parse_entity
from hotbed.app.schema import SchemaReport, apply_additive
from hotbed.config import load_config
from tests.app._databases import DATABASES, connected
from tests.app.test_codegen import _import, _write_all, tsc

SONAMU = Path(__file__).parent / "sonamu_fixtures"


def _project(root: Path) -> ProjectEntities:
    shutil.copytree(SONAMU, root, dirs_exist_ok=True)
    entities = [parse_entity(p, p.read_bytes()) for p in sorted(root.rglob("*.entity.json"))]
    return ProjectEntities(load_config(root), {e.id: e for e in entities})


def test_both_layouts_parse_into_one_model(tmp_path: Path) -> None:
    by_id = _project(tmp_path).by_id
    assert {e.id: e.table for e in by_id.values()} == {
        "Company": "companies",  # no `table`: derived from the id
        "Desk": "desks",
        "Document": "documents",
        "Employee": "employees",
        "Manager": "managers",
        "Note": "notes",
    }
    employee, company = by_id["Employee"], by_id["Company"]
    assert employee.subsets["P"] == ("id", "email") and company.subsets["SS"] == ("id", "name")
    assert employee.enums["EmployeeLevel"] == {"junior": "Junior", "senior": "Senior"}
    assert employee.document.cone_of("subsets", "A") == {"desc": "The admin list"}
    assert employee.document.indexes[1].column_names == ("company_id",)
    assert by_id["Desk"].props == () and by_id["Manager"].document.parent_id == "Employee"
    assert [p.name for p in company.columns][-3:] == ["from", "class", "schema"]  # virtual and relation: no column


@pytest.mark.parametrize("kind", DATABASES)
def test_every_type_syncs_and_round_trips(kind: str, tmp_path: Path) -> None:
    project = _project(tmp_path)
    with connected(kind, tmp_path) as engine:
        report = apply_additive(engine, list(project.by_id.values()))
        assert not report.withheld, report
        again = apply_additive(engine, list(project.by_id.values()))
        assert (again.applied, again.withheld) == ((), ()), again  # what was created compares equal
        tables = set(inspect(engine).get_table_names())
        assert {"companies", "desks", "documents", "employees", "managers", "notes", "employees__notes"} <= tables
        columns = {c["name"] for c in inspect(engine).get_columns("companies")}
        assert {"from", "class", "schema", "opens_at"} <= columns and "employee_count" not in columns
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO companies (name, \"from\", \"class\") VALUES ('Acme', 'web', 'A')"))
            row = conn.execute(text("SELECT * FROM companies")).mappings().one()
            conn.execute(text("INSERT INTO documents (title) VALUES ('hello world')"))
            document = conn.execute(text("SELECT title_length FROM documents")).scalar_one()
        assert row["kind"] == "startup" and row["headcount"] == 0 and not row["listed"]  # dbDefault literals
        assert row["created_at"] is not None  # CURRENT_TIMESTAMP
        assert document == 11  # a generated column, computed by the database
        assert_postgres_only_features(engine, report)

        _write_all(project)
        companies = _import(tmp_path / "src/application/company/company_types.py")
        company = companies.Company.model_validate(dict(row))
        assert company.from_ == "web" and company.class_ == "A"
        assert company.model_dump()["from"] == "web"  # JSON keeps the entity's name
        assert companies.CompanyListParams().order_by == "id-desc"
        assert set(companies.CompanySearchField) == {"id", "name"}  # the entity's own enum


def assert_postgres_only_features(engine: Engine, report: SchemaReport) -> None:
    """tsvector, vector, a generated tsvector and GIN/HNSW/PGroonga indexes: created on PostgreSQL
    as far as the server's extensions allow, mapped elsewhere, and either way said once."""
    (created,) = [c.message for c in report.applied if c.table == "documents"]
    indexes = {i["name"]: i for i in inspect(engine).get_indexes("documents")}
    with engine.connect() as conn:
        target = Target.of(conn)
        search_text = conn.execute(text("SELECT search_text FROM documents")).scalar_one()
    if not target.postgres:
        assert created == (
            "created table documents (search_text, a tsvector, is a plain TEXT column on this database and its "
            "generated expression is not computed; index documents_search_text_index (using gin) is not created: "
            "it needs PostgreSQL; index documents_embedding_index (using hnsw) is not created: it needs PostgreSQL; "
            "index documents_title_index (using pgroonga) is not created: it needs PostgreSQL)"
        )
        assert search_text is None and indexes == {}
        return
    assert search_text == "'hello':1 'world':2"  # computed by PostgreSQL
    assert indexes["documents_search_text_index"]["dialect_options"]["postgresql_using"] == "gin"
    columns = {c["name"]: c for c in inspect(engine).get_columns("documents")}
    if target.has("vector"):
        assert str(columns["embedding"]["type"]) == "VECTOR(3)"
        assert indexes["documents_embedding_index"]["dialect_options"]["postgresql_using"] == "hnsw"
    else:
        assert "embedding, a vector, is REAL[]: the pgvector extension is not available on this server" in created
        assert (
            "index documents_embedding_index (using hnsw) is not created: the vector extension is not available"
            in created
        )
        assert "documents_embedding_index" not in indexes
    if not target.has("pgroonga"):
        assert (
            "index documents_title_index (using pgroonga) is not created: the pgroonga extension is not available"
            in created
        )


def test_generated_types_validate_every_type(tmp_path: Path) -> None:
    project = _project(tmp_path)
    _write_all(project)
    companies = _import(tmp_path / "src/application/company/company_types.py")
    company = companies.CompanySaveParams.model_validate(
        {"name": "Acme", "revenue": "10.50", "opens_at": "09:30:00", "synced_at": "2024-05-01T10:00:00Z", "from": "x"}
    )
    assert company.revenue == Decimal("10.50") and company.opens_at == datetime.time(9, 30)
    assert company.from_ == "x"
    assert companies.Company.model_fields["from_"].description == "Where it came from"
    subset = companies.CompanySubsetA.model_validate(
        {"id": 1, "name": "A", "from": None, "class": None, "kind": "startup", "employee_count": 3,
         "created_at": "2024-05-01T10:00:00"}
    )  # fmt: skip
    assert subset.employee_count == 3
    employees = _import(tmp_path / "src/application/employee/employee_types.py")
    assert employees.Employee.__doc__ == "A person on a payroll"
    assert employees.EmployeeSubsetA.__doc__ == "The admin list"
    assert "company_id" in employees.Employee.model_fields and "desk_id" in employees.Employee.model_fields
    documents = _import(tmp_path / "src/application/document/document_types.py")
    row = documents.Document.model_validate(
        {"id": 1, "title": "t", "tags": ["a"], "scores": [1], "levels": ["low"], "embedding": [0.1, 0.2, 0.3],
         "search_text": "'t':1", "title_length": 1}
    )  # fmt: skip
    assert row.embedding == [0.1, 0.2, 0.3]


def test_generated_typescript_compiles(tmp_path: Path) -> None:
    project = _project(tmp_path)
    _write_all(project)
    services = tmp_path / "web/src/services"
    result = tsc(services)
    assert result.returncode == 0, result.stdout
    types = (services / "employee.types.ts").read_text()
    assert "/** A person on a payroll */" in types and "/** Career level */" in types
    assert "  from: string | null;" in (services / "company.types.ts").read_text()
