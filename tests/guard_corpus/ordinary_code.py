"""Ordinary analysis code the policy must allow, scary words used innocently included."""

from __future__ import annotations

ORDINARY_CODE: tuple[tuple[str, str], ...] = (
    (
        "groupby_bar",
        """import pandas as pd
import matplotlib.pyplot as plt

by_region = df.groupby('region', as_index=False)['revenue'].sum().sort_values('revenue', ascending=False)
print(by_region.to_string(index=False))
fig, ax = plt.subplots(figsize=(8, 4))
ax.bar(by_region['region'], by_region['revenue'])
ax.set_title('Revenue by region')
ax.set_xlabel('Region')
ax.set_ylabel('Revenue')
plt.xticks(rotation=45, ha='right')
plt.tight_layout()
plt.show()
""",
    ),
    (
        "dates_monthly",
        """import pandas as pd
df['order_date'] = pd.to_datetime(df['order_date'], errors='coerce')
monthly = df.set_index('order_date').resample('MS')['amount'].sum()
rolling = monthly.rolling(3).mean()
print(monthly.tail(12).to_string())
ax = monthly.plot(label='monthly', figsize=(9, 4))
rolling.plot(ax=ax, label='3-month average')
ax.legend()
ax.set_title('Monthly sales')
""",
    ),
    (
        "merge",
        """customers = df_customers[['customer_id', 'segment']]
merged = df_orders.merge(customers, on='customer_id', how='left')
summary = merged.groupby('segment')['total'].agg(['count', 'sum', 'mean']).round(2)
print(summary.to_string())
print('unmatched orders:', merged['segment'].isna().sum())
""",
    ),
    (
        "import_os_only",
        """import os
print(os.path.basename('/home/user/data/sales.csv'))
print(os.getcwd())
""",
    ),
    (
        "os_path_join",
        """import os
import pandas as pd
data_dir = '/home/user/data'
path = os.path.join(data_dir, 'sales.csv')
print(os.path.exists(path))
raw = pd.read_csv(path)
print(raw.shape)
""",
    ),
    (
        "data_dir_literal",
        """import pandas as pd
raw = pd.read_csv('/home/user/data/tickets.csv', parse_dates=['created_at'])
print(raw['priority'].value_counts().to_string())
""",
    ),
    (
        "to_csv_cwd",
        """top = df.nlargest(20, 'revenue')
top.to_csv('top_customers.csv', index=False)
top.to_excel('out/top_customers.xlsx', index=False)
print('saved', len(top))
""",
    ),
    (
        "savefig",
        """import matplotlib.pyplot as plt
import seaborn as sns
sns.histplot(df['order_value'], bins=40)
plt.title('Order values')
plt.savefig('chart.png', dpi=120, bbox_inches='tight')
plt.savefig('/tmp/chart.png')
""",
    ),
    (
        "stdlib_mix",
        """import re
import json
import math
from collections import Counter
from itertools import combinations
from datetime import datetime, timedelta

words = Counter(w.lower() for text in df['subject'].dropna() for w in re.findall(r"[a-z]+", text, re.I))
print(json.dumps(words.most_common(10)))
pairs = Counter(tuple(sorted(p)) for items in df['basket'].str.split(',') for p in combinations(items, 2))
print(pairs.most_common(5))
cutoff = datetime.now() - timedelta(days=30)
print(math.ceil(len(df) / 7))
print(cutoff.date())
""",
    ),
    (
        "scipy_stats",
        """from scipy import stats
a = df.loc[df['variant'] == 'A', 'conversion']
b = df.loc[df['variant'] == 'B', 'conversion']
t, p = stats.ttest_ind(a, b, equal_var=False)
print(f't={t:.3f} p={p:.4f}')
""",
    ),
    (
        "statsmodels",
        """import statsmodels.api as sm
X = sm.add_constant(df[['marketing_spend', 'price']])
model = sm.OLS(df['units'], X, missing='drop').fit()
print(model.summary().tables[1])
""",
    ),
    (
        "numpy_pivot",
        """import numpy as np
pivot = df.pivot_table(index='month', columns='region', values='sales', aggfunc=np.sum, fill_value=0)
print(pivot.to_string())
print('overall growth:', np.round(pivot.sum(axis=1).pct_change().mean() * 100, 1), '%')
""",
    ),
    (
        "matplotlib_magic",
        """%matplotlib inline
import matplotlib.pyplot as plt
df['tickets'].plot(kind='box')
plt.title('Tickets per agent')
""",
    ),
    (
        "url_column",
        """from urllib.parse import urlparse
df['domain'] = df['referrer'].dropna().map(lambda u: urlparse(u).netloc)
print(df['domain'].value_counts().head(10).to_string())
print((df['referrer'].str.startswith('https://')).mean())
""",
    ),
    (
        "eval_query",
        """high = df.query('revenue > 1000 and region == "EU"')
df['margin'] = df.eval('revenue - cost')
print(len(high), df['margin'].describe().to_string())
""",
    ),
    (
        "re_compile",
        """import re
from re import compile
pattern = re.compile(r'INV-(\\d+)')
alt = compile(r'PO-(\\d+)')
df['invoice_no'] = df['memo'].str.extract(pattern)
print(df['invoice_no'].notna().sum(), bool(alt.search('PO-1')))
""",
    ),
    (
        "getattr_agg",
        """for how in ['mean', 'median', 'max']:
    value = getattr(df.groupby('team')['hours'], how)()
    print(how, value.round(1).to_dict())
print(type(df).__name__, df.__class__.__name__)
""",
    ),
    (
        "class_def",
        """from dataclasses import dataclass

@dataclass
class Bucket:
    low: float
    high: float

    def __contains__(self, x: float) -> bool:
        return self.low <= x < self.high

buckets = [Bucket(0, 100), Bucket(100, 1000)]
print([sum(v in b for v in df['amount']) for b in buckets])
""",
    ),
    (
        "heatmap",
        """import seaborn as sns
import matplotlib.pyplot as plt
corr = df.select_dtypes('number').corr()
plt.figure(figsize=(8, 6))
sns.heatmap(corr, annot=True, fmt='.2f', cmap='coolwarm')
plt.title('Correlation matrix')
plt.tight_layout()
""",
    ),
    (
        "timezones",
        """import pandas as pd
df['ts'] = pd.to_datetime(df['ts'], utc=True).dt.tz_convert('Europe/Berlin')
df['hour'] = df['ts'].dt.hour
print(df.groupby('hour').size().to_string())
""",
    ),
    (
        "cleanup_own_file",
        """import os
df.to_csv('tmp_export.csv', index=False)
size = os.path.getsize('tmp_export.csv')
os.remove('tmp_export.csv')
print(size)
""",
    ),
    (
        "read_excel_data",
        """import pandas as pd
from pathlib import Path
path = Path('/home/user/data') / 'budget.xlsx'
budget = pd.read_excel(path, sheet_name='2024')
print(budget.head().to_string())
print([p.name for p in Path('/home/user/data').glob('*.csv')])
""",
    ),
    (
        "json_write",
        """import json
summary = {'rows': int(len(df)), 'columns': list(df.columns)}
with open('summary.json', 'w') as fh:
    json.dump(summary, fh)
print(json.dumps(summary))
""",
    ),
    (
        "str_replace_paths",
        """df['path'] = df['path'].str.replace('/var/www/', '', regex=False)
print(df['path'].str.split('/').str[0].value_counts().head().to_string())
""",
    ),
    (
        "syntax_error",
        """print(df.groupby('region')['sales'].sum()
""",
    ),
    (
        "cohort",
        """import pandas as pd
df['signup'] = pd.to_datetime(df['signup_date']).dt.to_period('M')
df['active'] = pd.to_datetime(df['activity_date']).dt.to_period('M')
df['age'] = (df['active'] - df['signup']).apply(lambda d: d.n)
cohort = df.pivot_table(index='signup', columns='age', values='user_id', aggfunc='nunique')
retention = cohort.div(cohort[0], axis=0).round(3)
print(retention.iloc[:, :6].to_string())
""",
    ),
    (
        "time_magic",
        """%%time
totals = df.groupby(['region', 'product'])['units'].sum().unstack(fill_value=0)
print(totals.to_string())
""",
    ),
    # Issue 13: the import allowlist and the patching rule must leave ordinary analysis alone.
    (
        "stdlib_helpers",
        """import statistics
import itertools
import functools
import operator
import calendar
import time
from collections import defaultdict, namedtuple, OrderedDict
from decimal import Decimal, getcontext
from fractions import Fraction
from zoneinfo import ZoneInfo
from datetime import date, datetime, timezone

getcontext().prec = 6
amounts = df['amount'].dropna().tolist()
print(statistics.median(amounts), statistics.stdev(amounts), statistics.mode(df['region']))
print(functools.reduce(operator.add, amounts[:10], 0), sorted(amounts, key=operator.neg)[:3])
by_day = defaultdict(list)
for row in df.itertuples():
    by_day[row.weekday].append(row.amount)
Pair = namedtuple('Pair', 'a b')
print([Pair(*p) for p in itertools.islice(itertools.pairwise(sorted(by_day)), 3)])
print(OrderedDict(sorted(by_day.items())).keys(), calendar.month_name[3])
print(Decimal('1.10') + Decimal('2.205'), Fraction(3, 8) + Fraction(1, 8))
print(datetime.now(ZoneInfo('Europe/Berlin')).isoformat(), date(2024, 1, 5), datetime.now(timezone.utc).year)
time.sleep(0.1)
""",
    ),
    (
        "text_helpers",
        """import io
import csv
import json
import math
import re
import string
import textwrap
import random
import warnings
import copy
from pprint import pprint

warnings.filterwarnings('ignore', category=FutureWarning)
random.seed(7)
sample = df.sample(5, random_state=7)
buf = io.StringIO()
sample.to_csv(buf, index=False)
rows = list(csv.reader(io.StringIO(buf.getvalue())))
print(len(rows), json.dumps({'cols': rows[0]}), math.isclose(0.1 + 0.2, 0.3))
slug = re.sub(f'[{re.escape(string.punctuation)}]', '', 'Q3: revenue, by region!')
print(textwrap.shorten(slug, width=20), copy.deepcopy(rows[0]))
pprint(random.sample(range(100), 5))
""",
    ),
    (
        "settings_and_locals",
        """import pandas as pd
import numpy as np
import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib.dates as mdates

pd.options.display.max_columns = 50
pd.options.display.float_format = '{:,.2f}'.format
pd.set_option('display.width', 120)
np.set_printoptions(precision=3, suppress=True)
mpl.rcParams['figure.figsize'] = (10, 4)
plt.rcParams.update({'font.size': 9})
df.attrs['source'] = 'sales.csv'
df.columns = [c.strip().lower() for c in df.columns]
df.loc[df['amount'] < 0, 'amount'] = np.nan
df['date'] = pd.to_datetime(df['date'])
fig, ax = plt.subplots()
fig.suptitle('Daily amount')
fig.dpi = 110
ax.title.set_text('Amount per day')
ax.xaxis.set_major_formatter(mdates.DateFormatter('%b %d'))
ax.plot(df['date'], df['amount'])
line = ax.lines[0]
line.color = 'tab:blue'
rng = np.random.default_rng(0)
print(rng.normal(size=3).round(2), df.attrs)
""",
    ),
    (
        "sklearn_scipy",
        """import numpy as np
from scipy import stats
from scipy.stats import zscore
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

features = df[['recency', 'frequency', 'monetary']].dropna()
scaled = StandardScaler().fit_transform(features)
model = KMeans(n_clusters=3, n_init=10, random_state=0).fit(scaled)
features['cluster'] = model.labels_
features['z'] = zscore(features['monetary'])
print(features.groupby('cluster').mean().round(2).to_string())
print(stats.pearsonr(features['recency'], features['monetary']))
""",
    ),
    (
        "timing_magics",
        """%config InlineBackend.figure_format = 'retina'
%timeit -n 3 -r 2 df.groupby('region')['amount'].sum()
for col in ['amount', 'units']:
    %time print(df[col].describe().to_string())
""",
    ),
    (
        "ipython_display",
        """from IPython.display import display
get_ipython().run_line_magic('matplotlib', 'inline')
summary = df.describe().T
display(summary)
""",
    ),
    (
        "statsmodels_formulas",
        """import numpy as np
import statsmodels.formula.api as smf
import statsmodels.api as sm

model = smf.ols('sales ~ price + C(region)', data=df).fit()
print(model.summary())
logged = smf.ols(formula='np.log(revenue) ~ np.log(price) + I(discount ** 2) + C(channel, Treatment("web"))', data=df)
print(logged.fit().params.round(3).to_string())
churn = smf.logit('churned ~ tenure_months + monthly_fee + C(plan)', data=df).fit(disp=0)
print(np.exp(churn.params).round(2))
mixed = smf.mixedlm('score ~ week', df, groups=df['store'], re_formula='~week').fit()
glm = sm.GLM.from_formula('claims ~ age + Q("vehicle type")', data=df, family=sm.families.Poisson()).fit()
inter = smf.ols('y ~ a:b + a*b - 1', data=df).fit()
print(mixed.params, glm.aic, inter.rsquared)
""",
    ),
    (
        "query_and_eval_expressions",
        """import pandas as pd

threshold = 100
east = df.query('amount > 100 and region == "East"')
big = df.query('amount > @threshold & `unit price` < 20')
named = df.query('name.str.contains("Ltd") and not status.isin(["void", "draft"])', engine='python')
recent = df.query('order_date.dt.year >= 2023', engine='python')
df['margin'] = df.eval('(revenue - cost) / revenue')
df.eval('total = price * qty', inplace=True)
ratio = df.eval('revenue / cost')
scaled = pd.eval('2 * 3 + 1')
print(len(east), len(big), len(named), len(recent), ratio.mean())
""",
    ),
    (
        "display_options",
        """import pandas as pd
import numpy as np

pd.set_option('display.max_rows', 100)
pd.set_option('display.max_columns', None, 'display.width', 200)
pd.set_option('display.float_format', '{:,.2f}'.format)
pd.options.display.float_format = lambda x: f'{x:,.1f}'
pd.options.display.precision = 3
with pd.option_context('display.max_colwidth', 80, 'display.float_format', '${:,.0f}'.format):
    print(df.head(20))
pd.reset_option('display.float_format')
np.set_printoptions(precision=2, suppress=True, linewidth=120)
plt.rcParams['figure.figsize'] = (12, 5)
plt.rcParams.update({'axes.grid': True, 'font.size': 10})
print(pd.get_option('display.max_rows'))
""",
    ),
)
