"""Every sentence the grader says to a student, in Korean and English, kept in one place."""
from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "not-submitted": {
        "en": "{file} was not submitted: no file named {file} (or a notebook of that name) was found.",
        "ko": "{file} 파일이 제출되지 않았습니다: {file} 이름의 파일(또는 같은 이름의 노트북)이 없습니다.",
    },
    "import-error": {
        "en": "{file} could not be imported: {error}",
        "ko": "{file} 을(를) 불러올 수 없습니다: {error}",
    },
    "import-timeout": {
        "en": "{file} could not be imported: its top-level code {error}. Move demo code "
              "(training runs, plots, prints) under `if __name__ == \"__main__\":` so that "
              "importing {file} only defines its functions.",
        "ko": "{file} 을(를) 불러올 수 없습니다: 최상위 코드가 끝나지 않았습니다 ({error}). 학습, "
              "그래프, 출력 같은 데모 코드는 `if __name__ == \"__main__\":` 아래로 옮겨서 "
              "{file} 을(를) 불러올 때는 함수만 정의되게 하세요.",
    },
    "import-timeout-notebook": {
        "en": "{file} could not be run: a cell kept running past its time limit and the whole "
              "notebook {error}. Keep long demos out of the cells that define your functions.",
        "ko": "{file} 을(를) 실행할 수 없습니다: 한 셀이 제한 시간이 지나도 멈추지 않아 노트북 "
              "전체가 끝나지 않았습니다 ({error}). 긴 데모는 함수를 정의하는 셀과 다른 셀에 두세요.",
    },
    "cell-failed": {
        "en": "{file}, cell {cell}: this cell failed{at} ({error}); the rest of the cell was not "
              "run, the functions of the other cells are graded.",
        "ko": "{file}, 셀 {cell}: 이 셀은{at} 실패했습니다 ({error}). 셀의 나머지는 실행되지 "
              "않았고, 다른 셀에서 정의한 함수는 그대로 채점합니다.",
    },
    "cell-timeout": {
        "en": "{file}, cell {cell}: stopped{at}, it {error} (the time one cell may run when the "
              "notebook is loaded for grading); the functions of the other cells are graded.",
        "ko": "{file}, 셀 {cell}: 채점을 위해 노트북을 불러올 때 한 셀에 주어지는 시간을 넘겨{at} "
              "중지했습니다 ({error}). 다른 셀에서 정의한 함수는 그대로 채점합니다.",
    },
    "at-line": {"en": " at line {line}", "ko": " {line}번째 줄에서"},
    "at-cell-line": {"en": " at cell {cell}, line {line}", "ko": " 셀 {cell}의 {line}번째 줄에서"},
    "cells-not-run": {
        "en": "{file}, cells {cells}: not run, loading the notebook for grading used up its "
              "{seconds} s.",
        "ko": "{file}, 셀 {cells}: 채점을 위해 노트북을 불러오는 시간 {seconds}초를 모두 써서 "
              "실행하지 않았습니다.",
    },
    "missing": {
        "en": "{file} has no `{name}`.",
        "ko": "{file} 에 `{name}` 이(가) 없습니다.",
    },
    "not-implemented": {
        "en": "`{name}` is not implemented yet (it raises NotImplementedError).",
        "ko": "`{name}` 이(가) 아직 구현되지 않았습니다 (NotImplementedError 발생).",
    },
    "exception": {
        "en": "`{name}` raised {error}",
        "ko": "`{name}` 실행 중 예외 발생: {error}",
    },
    "timeout": {
        "en": "`{name}` was stopped: it {detail}.",
        "ko": "`{name}` 이(가) 제한 시간 안에 끝나지 않아 중지했습니다 ({detail}).",
    },
    "budget": {
        "en": "the time budget for your code was used up before `{name}` could run.",
        "ko": "`{name}` 을(를) 실행하기 전에 코드 실행 시간 예산을 모두 사용했습니다.",
    },
    "crashed": {
        "en": "the process running your code died during `{name}` ({error}).",
        "ko": "`{name}` 실행 중 코드를 실행하던 프로세스가 종료되었습니다 ({error}).",
    },
    "bad-value": {
        "en": "`{name}`: {error}",
        "ko": "`{name}`: 평범한 데이터(NumPy 배열, 숫자, 리스트, 튜플, 딕셔너리)가 아닌 값을 "
              "반환했습니다 ({error})",
    },
    "mismatch": {
        "en": "{what}: {summary}",
        "ko": "{what}: {summary}",
    },
    "mutated": {
        "en": "`{name}` changed its argument {arg} in place; return a new value instead.",
        "ko": "`{name}` 이(가) 인자 {arg} 을(를) 직접 바꾸었습니다. 새 값을 만들어 반환하세요.",
    },
    "warning": {
        "en": "`{name}` raised a warning: {category}: {message}",
        "ko": "`{name}` 실행 중 경고 발생: {category}: {message}",
    },
    "changed-at-import": {
        "en": "Importing your module changed {what}; the grader restores it before every call, so "
              "silencing warnings for the whole module hides nothing. Keep suppression inside the "
              "function (`with np.errstate(...)`) or, better, compute without overflow.",
        "ko": "모듈을 불러올 때 {what} 설정이 바뀌었습니다. 채점기는 호출할 때마다 원래대로 되돌리므로 "
              "모듈 전체에서 경고를 끄는 방법으로는 아무것도 가려지지 않습니다. 억제가 필요하면 함수 "
              "안에서 `with np.errstate(...)`를 쓰고, 더 좋은 방법은 넘침 없이 계산하는 것입니다.",
    },
    "wrong-type": {
        "en": "{what}: expected a {expected}, got a {got}.",
        "ko": "{what}: {expected} 이(가) 와야 하는데 {got} 이(가) 왔습니다.",
    },
    "wrong-shape": {
        "en": "{what}: expected shape {expected}, got shape {got}.",
        "ko": "{what}: 모양(shape)이 {expected} 이어야 하는데 {got} 입니다.",
    },
    "named-mistake": {
        "en": "Likely mistake: {title} [{id}]",
        "ko": "예상되는 실수: {title} [{id}]",
    },
    "input": {"en": "Input", "ko": "입력"},
    "expected": {"en": "Expected", "ko": "기대값"},
    "obtained": {"en": "Obtained", "ko": "실제값"},
    "calls": {"en": "Calls made", "ko": "호출 내역"},
    "printed": {"en": "Your code printed", "ko": "코드가 출력한 내용"},
}


def say(key: str, lang: str = "en", **fields) -> str:
    table = MESSAGES[key]
    text = table.get(lang) or table["en"]
    return text.format(**fields)
