"""python manage.py import_persons FILE.csv: good, bad and repeated rows."""

import pytest
from django.core.management import CommandError, call_command

from registry.models import Person
from tests.factories import PersonFactory, valid_id_number

pytestmark = pytest.mark.django_db

HEADER = "id_number,name,insurance_type,social_security_card,phone,insured_status\n"


def write(tmp_path, text: str, *, bom: bool = False):
    path = tmp_path / "persons.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return str(path)


def run(path, capsys):
    call_command("import_persons", path)
    out = capsys.readouterr()
    return out.out, out.err


def test_good_rows_load_and_bad_rows_are_reported_with_line_and_field(tmp_path, capsys):
    a, b = valid_id_number(1), valid_id_number(2)
    path = write(
        tmp_path,
        HEADER
        + f"{a},张三,employee,SS001,13906001234,active\n"
        + "110105194912310021,坏号,employee,,,active\n"  # line 3: checksum
        + f"{b},李四,390,,,\n"  # national code, default status
        + f"{valid_id_number(3)},王五,gold,,,active\n"  # line 5: insurance type
        + f"{valid_id_number(4)},赵六,employee,,12345,active\n",  # line 6: phone
        bom=True,
    )
    out, err = run(path, capsys)
    assert "created 2, updated 0, unchanged 0, refused 3" in out
    assert "line 3: id_number:" in err
    assert "line 5: insurance_type:" in err
    assert "line 6: phone:" in err
    assert sorted(Person.objects.values_list("id_number", "insurance_type", "insured_status")) == sorted(
        [(a, "employee", "active"), (b, "resident", "active")]
    )


def test_importing_the_same_file_twice_changes_nothing(tmp_path, capsys):
    path = write(tmp_path, HEADER + "".join(f"{valid_id_number(n)},人{n},employee,,,active\n" for n in range(10)))
    assert "created 10," in run(path, capsys)[0]
    versions = list(Person.objects.order_by("id").values_list("version", flat=True))
    out, _ = run(path, capsys)
    assert "created 0, updated 0, unchanged 10, refused 0" in out
    assert list(Person.objects.order_by("id").values_list("version", flat=True)) == versions
    assert Person.history.count() == 10


def test_changed_rows_update_by_id_number_and_keep_history(tmp_path, capsys):
    person = PersonFactory(name="张三", insured_status="active")
    path = write(tmp_path, HEADER + f"{person.id_number},张三,employee,,13906001234,terminated\n")
    out, _ = run(path, capsys)
    assert "created 0, updated 1, unchanged 0" in out
    person.refresh_from_db()
    assert (person.insured_status, person.version) == ("terminated", 2)
    assert person.history.count() == 2


def test_a_repeated_id_number_inside_the_file_is_refused(tmp_path, capsys):
    a = valid_id_number(7)
    path = write(tmp_path, HEADER + f"{a},甲,employee,,,\n{a},乙,employee,,,\n")
    out, err = run(path, capsys)
    assert "created 1," in out and "refused 1" in out
    assert "line 3: id_number:" in err
    assert Person.objects.get().name == "甲"


def test_missing_columns_and_missing_file_exit_non_zero(tmp_path):
    with pytest.raises(CommandError, match="insurance_type"):
        call_command("import_persons", write(tmp_path, "id_number,name\n"))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_persons", str(tmp_path / "absent.csv"))


def test_non_utf8_file_exits_non_zero(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + f"{valid_id_number(1)},张三,employee,,,\n").encode("gbk"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_persons", str(path))
