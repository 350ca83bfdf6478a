# Renders this folder's *.jinja templates as transformers' apply_chat_template does (jinja2's
# ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, its tojson, raise_exception and a pinned
# strftime_now) for the conversations in ChatTemplateTest, into expected.json.
# Run: python3 render_expected.py   (jinja2 3.1)
import glob, json, os
from datetime import datetime
import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
env.filters['tojson'] = tojson
env.globals['raise_exception'] = raise_exception
env.globals['strftime_now'] = lambda fmt: datetime(2026, 12, 2).strftime(fmt)

here = os.path.dirname(os.path.abspath(__file__))
conversations = {
    'system': [{'role': 'system', 'content': '  Be kind. \n'}, {'role': 'user', 'content': 'Hello'},
               {'role': 'assistant', 'content': 'Hi there'}, {'role': 'user', 'content': 'Who are you'}],
    'plain': [{'role': 'user', 'content': 'Hello'}, {'role': 'assistant', 'content': 'Hi there'}, {'role': 'user', 'content': 'Who are you'}],
    'unicode': [{'role': 'user', 'content': '  你好，世界 \u3000'}],
    'thinking': [{'role': 'user', 'content': 'Sum 2+2'}, {'role': 'assistant', 'content': '<think>\nadd\n</think>\n\n4  '},
                 {'role': 'user', 'content': 'Times 3? {{ 7*7 }} {% raw %}'}],
    'wrong-order': [{'role': 'user', 'content': 'a'}, {'role': 'user', 'content': 'b'}],
}
bos = {'header-turns': '<|begin_of_text|>', 'alternating': '<bos>'}
eos = {'tagged': '<|endoftext|>', 'header-turns': '<|eot_id|>'}
out = {}
for path in sorted(glob.glob(os.path.join(here, '*.jinja'))):
    name = os.path.basename(path)[:-6]
    t = env.from_string(open(path, encoding='utf-8').read())
    out[name] = {}
    for cname, msgs in conversations.items():
        for gen in (True, False):
            kw = {'messages': msgs, 'add_generation_prompt': gen, 'tools': None, 'documents': None}
            if name in bos: kw['bos_token'] = bos[name]
            if name in eos: kw['eos_token'] = eos[name]
            key = cname + ('' if gen else '-nogen')
            try:
                out[name][key] = {'out': t.render(**kw)}
            except jinja2.exceptions.TemplateError as e:
                out[name][key] = {'error': str(e)}
json.dump({'bos': bos, 'eos': eos, 'conversations': conversations, 'expected': out},
          open(os.path.join(here, 'expected.json'), 'w', encoding='utf-8'), ensure_ascii=False, indent=1)
