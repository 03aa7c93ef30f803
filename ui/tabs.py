"""Layout and wiring of the Settings, Library and Evaluate tabs (called inside build_app)."""
from __future__ import annotations

import gradio as gr

from qa import QASettings

from . import chat, evaluate, library, render, upload_guard

MODE_CHOICES = [("Generative — the local model writes a short answer from the quotes", "generative"),
                ("Extractive — the answer is the best quotes themselves (fast, no model)", "extractive")]
PRIVATE = {"api_visibility": "private"}


def settings_tab(settings: QASettings, start_mode: str):
    with gr.Tab("Settings", id="settings"):
        mode = gr.Radio(MODE_CHOICES, value=start_mode, label="Answer mode", elem_id="sb-mode")
        n_quotes = gr.Slider(1, 12, value=settings.n_quotes, step=1, label="Number of quotes",
                             info="How many quotes the answer is built from (more: fuller answers, slower).",
                             elem_id="sb-quotes")
        if settings.llm_base_url:
            model = f"LLM server: {settings.llm_base_url}"
        elif settings.model_path.is_file():
            model = f"Local model: {settings.model_path.name}"
        else:
            model = (f"No local model at {settings.model_path}: generative answers fall back to extractive. "
                     "Run `make setup` to install it.")
        gr.HTML(f'<p class="sb-hint">{render.esc(model)}<br>Data folder: {render.esc(settings.index.home)}. '
                'These settings apply to your session only.</p>', js_on_load=None)
    return mode, n_quotes


def library_tab(settings: QASettings, model_queue: dict):
    """Returns (the library table, a refresh function, the components it refreshes)."""
    idx = settings.index

    def listing():
        try:
            rows = library.articles(idx)
        except Exception as exc:  # a broken store: say so in the tab
            return render.render_panel_message(str(exc), "Library"), gr.Dropdown(choices=[])
        choices = [(f"{r['title']} ({r['source']})", r["source"]) for r in rows]
        return render.render_library(rows), gr.Dropdown(choices=choices, value=None)

    def do_upload(files, progress=gr.Progress(track_tqdm=True)):
        # Raw payload (preprocess=False): Gradio's own processing would hand over only its
        # sanitised copies' paths, and the report must name the files as the user knows them.
        paths, names = library.named_files(files)
        if not paths:
            return render.render_report_line("Choose files to upload first."), *listing(), None
        progress(0, desc="Indexing")
        result = library.upload(paths, idx, names=names, progress=True)
        report = render.render_index_report(result.report, result.saved, result.rejected)
        if result.error:
            report = render.render_panel_message(result.error, "Upload failed") + report
        return report, *listing(), None

    def report_oversize(value):
        return render.render_index_report(None, {}, upload_guard.rejected(value))

    def do_remove(source):
        if not source:
            return render.render_report_line("Choose an article to remove first."), *listing()
        ok, message = library.remove(source, idx)
        return render.render_report_line(message, ok), *listing()

    with gr.Tab("Library", id="library") as tab:
        table = gr.HTML(elem_id="sb-library", js_on_load=None)
        with gr.Row():
            with gr.Column(scale=3):
                files = gr.File(file_count="multiple", file_types=list(library.ALLOWED), type="filepath",
                                label="Add articles: .txt .md .html .htm .pdf, up to 20 MB each", elem_id="sb-upload")
                upload_btn = gr.Button("Index uploaded files", variant="primary", elem_id="sb-index")
            with gr.Column(scale=2):
                remove_dd = gr.Dropdown(choices=[], label="Remove an article", elem_id="sb-remove-choice")
                remove_btn = gr.Button("Remove from library", variant="stop", elem_id="sb-remove")
        report = gr.HTML(elem_id="sb-report", js_on_load=None)
        oversize = gr.Textbox(visible="hidden", elem_id=upload_guard.BOX_ID)
        oversize_btn = gr.Button("report", visible="hidden", elem_id=upload_guard.BUTTON_ID)
    upload_btn.click(do_upload, [files], [report, table, remove_dd, files], preprocess=False, **model_queue,
                     **PRIVATE)
    oversize_btn.click(report_oversize, [oversize], [report], js=upload_guard.TAKE, queue=False, **PRIVATE)
    remove_btn.click(do_remove, [remove_dd], [report, table, remove_dd], **model_queue, **PRIVATE)
    tab.select(listing, None, [table, remove_dd], queue=False, **PRIVATE)
    return table, listing, [table, remove_dd]


def evaluate_tab(settings: QASettings, mode: gr.Radio, n_quotes: gr.Slider, model_queue: dict) -> None:
    """The golden set, answered with the Settings tab's mode and number of quotes."""
    def run(mode_now, quotes, limit, progress=gr.Progress()):
        def tick(done: int, total: int) -> None:
            progress((done, total), desc="Evaluating", unit="questions")

        chosen = chat.session_settings(settings, quotes).with_(mode=mode_now or None)
        summary, headers, rows, status = evaluate.run(mode_now, limit, chosen, tick)
        frame = gr.Dataframe(value=rows or None, headers=headers or None, visible=bool(rows),
                             column_widths=evaluate.column_widths(headers) or None)
        return summary, frame, status

    with gr.Tab("Evaluate", id="evaluate"):
        gr.HTML('<p class="sb-hint">Run the golden question set (seeds/golden.jsonl) against the current index and '
                'report answer accuracy, abstention and citation quality, with the answer mode and number of quotes '
                'chosen in the Settings tab. It takes a while in generative mode.</p>', js_on_load=None)
        limit = gr.Number(value=0, precision=0, minimum=0, label="Only the first N questions (0 = all)",
                          elem_id="sb-eval-limit")
        run_btn = gr.Button("Run evaluation", variant="primary", elem_id="sb-eval-run")
        status = gr.Markdown(elem_id="sb-eval-status")
        summary = gr.HTML(js_on_load=None)
        rows = gr.Dataframe(visible=False, wrap=True, interactive=False, elem_id="sb-eval-rows")
    run_btn.click(run, [mode, n_quotes, limit], [summary, rows, status], **model_queue, **PRIVATE)
