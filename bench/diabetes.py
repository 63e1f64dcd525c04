"""Derive the real-data sets of issue 32 from scikit-learn's diabetes data (Efron, Hastie,
Johnstone and Tibshirani, "Least Angle Regression", Annals of Statistics 32, 2004; shipped
inside the scikit-learn package, so nothing is downloaded).

Writes, for the 442 patients in scikit-learn's order:

- ``tests/data/diabetes_bmi.csv``: BMI standardised (mean 0, population standard
  deviation 1) and rounded to 2 decimals, against disease progression / 100 (d = 1);
- ``tests/data/diabetes_bmi_bp.csv``: BMI and mean blood pressure, each standardised the
  same way, against progression / 100 (d = 2).

Both are committed; this script is their provenance (``pip install scikit-learn``, the
``bench`` extra), and running it again must leave them unchanged.

Usage::

    python bench/diabetes.py
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data"
BMI, BP = 2, 3  # columns of load_diabetes's raw data (age, sex, bmi, bp, s1, ..., s6)


def standardised(column: list[float]) -> list[str]:
    """(x - mean) / std with the population standard deviation, to 2 decimals."""
    n = len(column)
    mean = sum(column) / n
    std = (sum((v - mean) ** 2 for v in column) / n) ** 0.5
    return [f"{(v - mean) / std:.2f}" for v in column]


def progression(target: list[float]) -> list[str]:
    """Progression / 100, exactly (the targets are integers)."""
    return [str(int(t) / 100) if int(t) % 100 else str(int(t) // 100) for t in target]


def write(path: Path, header: list[str], columns: list[list[str]]) -> None:
    rows = [",".join(header)] + [",".join(values) for values in zip(*columns, strict=True)]
    path.write_text("\n".join(rows) + "\n")


def main() -> None:
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(scaled=False, return_X_y=True)
    assert all(float(t).is_integer() for t in y)
    bmi = standardised([float(v) for v in X[:, BMI]])
    bp = standardised([float(v) for v in X[:, BP]])
    target = progression([float(t) for t in y])
    write(OUT / "diabetes_bmi.csv", ["bmi", "progression"], [bmi, target])
    write(OUT / "diabetes_bmi_bp.csv", ["bmi", "bp", "progression"], [bmi, bp, target])


if __name__ == "__main__":
    main()
