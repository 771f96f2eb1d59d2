"""Escape sequences in what the grader prints."""


def perceptron(x, w, theta):
    raise RuntimeError("\x1b]0;PWNED\x07\x1b[2J\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\ [bold red]markup[/bold red] \u202eevil")
